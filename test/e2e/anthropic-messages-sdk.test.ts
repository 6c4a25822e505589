import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RequestSummary } from "../../shared/logging/request-summary";
import { type AnthropicFake, startAnthropicFake, thinkingSignature } from "../fakes/anthropic-fake";
import type { FakeServer } from "../fakes/fake-server";
import { openAIErrorBody, startOpenAIChatFake, startOpenAIWireFake } from "../fakes/openai-wire-fake";
import { startTestGateway, type TestGateway } from "../support/local-gateway";
import { checkMessagesEventSequence } from "../support/messages-events";

/**
 * Anthropic's Messages API through the gateway with the unmodified `@anthropic-ai/sdk` (only `baseURL` changed):
 * native pass-through to anthropic, and translated through the chat layer to openai and groq (an OpenAI-compatible
 * provider that reasons), streaming, tool use and thinking included; count_tokens; errors as the SDK's typed errors.
 */
const ANTHROPIC_KEY = "sk-ant-fake-key";
const OPENAI_KEY = "sk-openai-fake";
const GROQ_KEY = "gsk-groq-fake";
const CLAUDE = "claude-sonnet-4-5";
const WEATHER: Anthropic.Tool = {
  name: "get_weather",
  description: "The weather in a city",
  input_schema: { type: "object", properties: { city: { type: "string" } } },
};

let gateway: TestGateway;
let anthropic: AnthropicFake;
let openai: FakeServer;
let groq: FakeServer;
const summaries: RequestSummary[] = [];

/** The SDK as an app configures it: the provider key as its API key, the gateway key and provider as headers. */
function client(provider: "anthropic" | "openai" | "groq", headers: Record<string, string> = {}): Anthropic {
  const setup = {
    anthropic: { key: ANTHROPIC_KEY, host: anthropic.baseUrl },
    openai: { key: OPENAI_KEY, host: `${openai.origin}/v1` },
    groq: { key: GROQ_KEY, host: `${groq.origin}/openai/v1` },
  }[provider];
  return new Anthropic({
    apiKey: setup.key,
    baseURL: gateway.url,
    maxRetries: 0,
    defaultHeaders: {
      "x-portkey-api-key": gateway.apiKey,
      "x-portkey-custom-host": setup.host,
      ...(provider === "anthropic" ? {} : { "x-portkey-provider": provider }),
      ...headers,
    },
  });
}

let seen = 0;
/** The log summary of the test's first request (written when the request is over: a stream's after its end). */
async function loggedSummary(): Promise<RequestSummary> {
  for (let i = 0; i < 100 && summaries.length <= seen; i++) await new Promise((r) => setTimeout(r, 20));
  return summaries[seen] as RequestSummary;
}

beforeAll(async () => {
  anthropic = await startAnthropicFake({ apiKey: ANTHROPIC_KEY });
  openai = await startOpenAIChatFake(OPENAI_KEY);
  groq = await startOpenAIWireFake({
    name: "groq",
    apiKey: GROQ_KEY,
    credential: (h) => String(h.authorization ?? "").replace(/^Bearer /, ""),
    checkUrl: (url) => (url.pathname === "/openai/v1/chat/completions" ? undefined : `Invalid URL ${url.pathname}`),
    errorBody: openAIErrorBody,
    reasoningField: "reasoning",
    chunkDelayMs: 1,
  });
  gateway = await startTestGateway({ observer: { finish: (s) => summaries.push(s) } });
});
afterAll(async () => {
  await gateway.stop();
  await Promise.all([anthropic.close(), openai.close(), groq.close()]);
});
beforeEach(() => {
  for (const fake of [anthropic, openai, groq]) fake.reset();
  seen = summaries.length;
});

describe("native pass-through to anthropic", () => {
  it("messages.create: the answer as Anthropic sent it, its usage billed, its version headers forwarded", async () => {
    // Act
    const message = await client("anthropic").messages.create(
      { model: CLAUDE, max_tokens: 64, system: "be brief", messages: [{ role: "user", content: "hello there" }] },
      { headers: { "anthropic-beta": "context-1m-2025-08-07" } },
    );

    // Assess: the fake's own message, untouched
    expect(message.id).toMatch(/^msg_fake/);
    expect(message.content).toEqual([{ type: "text", text: "You said: hello there [system: be brief]" }]);
    expect(message.stop_reason).toBe("end_turn");
    expect(message.usage.input_tokens).toBe(4);
    const sent = anthropic.requests[0];
    expect(sent?.path).toBe("/v1/messages");
    expect(sent?.headers["x-api-key"]).toBe(ANTHROPIC_KEY);
    expect(sent?.headers["anthropic-version"]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(sent?.headers["anthropic-beta"]).toBe("context-1m-2025-08-07");
    // neither the gateway key nor the client's x-portkey-* headers reach the provider (only the gateway's hop mark)
    expect(Object.keys(sent?.headers ?? {}).filter((h) => h.startsWith("x-portkey-"))).toEqual(["x-portkey-hop"]);
    expect(JSON.stringify(sent?.headers)).not.toContain(gateway.apiKey);
    expect(sent?.headers.authorization).toBeUndefined();
    expect(await loggedSummary()).toMatchObject({ endpoint: "messages", provider: "anthropic", status: 200 });
    expect((await loggedSummary()).usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 7 });
  });

  it("messages.stream with thinking and a tool call: Anthropic's events pass through, usage from them", async () => {
    // Act
    const stream = client("anthropic").messages.stream({
      model: CLAUDE,
      max_tokens: 2048,
      thinking: { type: "enabled", budget_tokens: 1024 },
      tools: [WEATHER],
      messages: [{ role: "user", content: "what is the weather in Paris" }],
    });
    const events: Anthropic.MessageStreamEvent[] = [];
    stream.on("streamEvent", (e) => events.push(structuredClone(e))); // as sent: the SDK grows its snapshot
    const message = await stream.finalMessage();

    // Assess
    const thinking = "The user wrote what is the weather in Paris.";
    expect(message.content).toEqual([
      { type: "thinking", thinking, signature: thinkingSignature(thinking) },
      { type: "text", text: "Let me check." },
      { type: "tool_use", id: expect.stringMatching(/^toolu_/), name: "get_weather", input: { city: "Paris" } },
    ]);
    expect(message.stop_reason).toBe("tool_use");
    checkMessagesEventSequence(events);
    expect((await loggedSummary()).usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 3 + 5 + 9 });
  });

  it("messages.countTokens is forwarded and not billed", async () => {
    // Act
    const counted = await client("anthropic").messages.countTokens({
      model: CLAUDE,
      messages: [{ role: "user", content: "count these four words" }],
    });

    // Assess
    expect(counted).toEqual({ input_tokens: 4 });
    expect(anthropic.requests[0]?.path).toBe("/v1/messages/count_tokens");
    expect(await loggedSummary()).toMatchObject({ endpoint: "messages_count_tokens", status: 200 });
    expect((await loggedSummary()).usage).toMatchObject({ prompt_tokens: 0, completion_tokens: 0 });
  });

  it("reads the provider key from x-api-key (Claude Code's ANTHROPIC_API_KEY) as from Authorization", async () => {
    // Prepare: the key in x-api-key only, as Claude Code sends it
    const res = await fetch(`${gateway.url}/v1/messages`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-api-key": ANTHROPIC_KEY,
        "anthropic-version": "2023-06-01",
        "x-portkey-api-key": gateway.apiKey,
        "x-portkey-custom-host": anthropic.baseUrl,
      },
      body: JSON.stringify({ model: CLAUDE, max_tokens: 16, messages: [{ role: "user", content: "hi" }] }),
    });

    // Assess
    expect(res.status).toBe(200);
    expect(anthropic.requests[0]?.headers["anthropic-version"]).toBe("2023-06-01");
  });

  it("takes a virtual key's slug as the API key: the stored key goes to the virtual key's host", async () => {
    // Prepare
    const slug = await gateway.createVirtualKey({
      name: "claude",
      provider: "anthropic",
      key: ANTHROPIC_KEY,
      custom_host: anthropic.baseUrl,
    });
    const app = new Anthropic({
      apiKey: slug,
      baseURL: gateway.url,
      maxRetries: 0,
      defaultHeaders: { "x-portkey-api-key": gateway.apiKey },
    });

    // Act
    const message = await app.messages.create({
      model: CLAUDE,
      max_tokens: 16,
      messages: [{ role: "user", content: "hi" }],
    });

    // Assess
    expect(message.content).toEqual([{ type: "text", text: "You said: hi" }]);
    expect(anthropic.requests[0]?.headers["x-api-key"]).toBe(ANTHROPIC_KEY);
    expect((await loggedSummary()).virtualKey).toBe(slug);
  });
});

describe.each(["openai", "groq"] as const)("translated through the chat layer: %s", (provider) => {
  const fake = () => (provider === "openai" ? openai : groq);

  it("messages.create: system, text and the usage in Anthropic's terms", async () => {
    // Act
    const message = await client(provider).messages.create({
      model: "gpt-4o-mini",
      max_tokens: 64,
      system: [{ type: "text", text: "be brief" }],
      messages: [{ role: "user", content: [{ type: "text", text: "hello there" }] }],
    });

    // Assess
    expect(message).toMatchObject({
      type: "message",
      role: "assistant",
      model: "gpt-4o-mini",
      content: [{ type: "text", text: "You said: hello there [system: be brief]" }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 4, output_tokens: 7 },
    });
    const sent = fake().requests[0]?.json();
    expect(sent).toMatchObject({
      max_tokens: 64,
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: [{ type: "text", text: "hello there" }] },
      ],
    });
    expect(await loggedSummary()).toMatchObject({ endpoint: "messages", provider, status: 200 });
  });

  it("a tool call and its result: tool_use out, tool_result back in, the final answer", async () => {
    // Act: the model calls the tool
    const first = await client(provider).messages.create({
      model: "gpt-4o-mini",
      max_tokens: 64,
      tools: [WEATHER],
      tool_choice: { type: "auto" },
      messages: [{ role: "user", content: "what is the weather in Paris" }],
    });
    const call = first.content.find((b) => b.type === "tool_use");
    const second = await client(provider).messages.create({
      model: "gpt-4o-mini",
      max_tokens: 64,
      tools: [WEATHER],
      messages: [
        { role: "user", content: "what is the weather in Paris" },
        { role: "assistant", content: first.content },
        { role: "user", content: [{ type: "tool_result", tool_use_id: String(call?.id), content: "sunny" }] },
      ],
    });

    // Assess
    expect(first.stop_reason).toBe("tool_use");
    expect(first.content).toEqual([
      { type: "text", text: "Let me check." },
      { type: "tool_use", id: expect.any(String), name: "get_weather", input: { city: "Paris" } },
    ]);
    expect(second.content).toEqual([{ type: "text", text: "The tool said: sunny" }]);
    expect(fake().requests[1]?.json().messages).toEqual([
      { role: "user", content: "what is the weather in Paris" },
      {
        role: "assistant",
        content: "Let me check.",
        tool_calls: [
          { id: call?.id, type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
        ],
      },
      { role: "tool", tool_call_id: call?.id, content: "sunny" },
    ]);
  });

  it("messages.stream with a tool call: Anthropic's events, event by event, and the final message", async () => {
    // Act
    const stream = client(provider).messages.stream({
      model: "gpt-4o-mini",
      max_tokens: 64,
      tools: [WEATHER],
      messages: [{ role: "user", content: "what is the weather in Paris" }],
    });
    const events: Anthropic.MessageStreamEvent[] = [];
    stream.on("streamEvent", (e) => events.push(structuredClone(e))); // as sent: the SDK grows its snapshot
    const message = await stream.finalMessage();

    // Assess
    checkMessagesEventSequence(events);
    expect(events.map((e) => e.type)).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(message.content).toEqual([
      { type: "text", text: "Let me check." },
      { type: "tool_use", id: expect.any(String), name: "get_weather", input: { city: "Paris" } },
    ]);
    expect(message.stop_reason).toBe("tool_use");
    expect(message.usage).toMatchObject({ output_tokens: 5 });
    expect((await loggedSummary()).usage).toMatchObject({ completion_tokens: 5 });
  });

  it("messages.countTokens: the gateway's estimate, no upstream call", async () => {
    // Act
    const counted = await client(provider).messages.countTokens({
      model: "gpt-4o-mini",
      system: "be brief",
      messages: [{ role: "user", content: "count these four words" }],
    });

    // Assess: (8 + 22 bytes) / 3 + 2 messages x 4
    expect(counted).toEqual({ input_tokens: 18 });
    expect(fake().requests).toHaveLength(0);
  });
});

describe("thinking on a provider that reasons (groq)", () => {
  it("streams reasoning as a thinking block before the text", async () => {
    // Act
    const stream = client("groq").messages.stream({
      model: "openai/gpt-oss-20b",
      max_tokens: 4096,
      thinking: { type: "enabled", budget_tokens: 2048 },
      messages: [{ role: "user", content: "hello" }],
    });
    const events: Anthropic.MessageStreamEvent[] = [];
    stream.on("streamEvent", (e) => events.push(structuredClone(e))); // as sent: the SDK grows its snapshot
    const message = await stream.finalMessage();

    // Assess
    checkMessagesEventSequence(events);
    expect(message.content).toEqual([
      { type: "thinking", thinking: "The user wrote hello.", signature: "" },
      { type: "text", text: "You said: hello" },
    ]);
    expect(groq.requests[0]?.json()).toMatchObject({ reasoning_effort: "low" });
  });
});

describe("errors as Anthropic's clients expect them", () => {
  it("a bad gateway key is the SDK's AuthenticationError with Anthropic's error body", async () => {
    // Act
    const err = await client("openai", { "x-portkey-api-key": "pk-gw-0000000000000000.nope" })
      .messages.create({ model: "gpt-4o-mini", max_tokens: 8, messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toEqual({
      type: "error",
      error: { type: "authentication_error", message: "Invalid API key." },
    });
  });

  it("a body the gateway cannot translate is a BadRequestError naming what is missing", async () => {
    // Act
    const err = await client("openai")
      .messages.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] } as never)
      .catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      error: { type: "invalid_request_error" },
    });
    expect(openai.requests).toHaveLength(0);
  });

  it("an upstream 429 on a translated path is the SDK's RateLimitError", async () => {
    // Prepare
    openai.enqueueFaults({ kind: "status", status: 429, body: openAIErrorBody(429, "slow down") });

    // Act
    const err = await client("openai")
      .messages.create({ model: "gpt-4o-mini", max_tokens: 8, messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toEqual({
      type: "error",
      error: { type: "rate_limit_error", message: "slow down" },
    });
  });

  it("anthropic's own error passes unchanged", async () => {
    // Act: a wrong provider key
    const err = await new Anthropic({
      apiKey: "sk-ant-wrong",
      baseURL: gateway.url,
      maxRetries: 0,
      defaultHeaders: { "x-portkey-api-key": gateway.apiKey, "x-portkey-custom-host": anthropic.baseUrl },
    }).messages
      .create({ model: CLAUDE, max_tokens: 8, messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toEqual({
      type: "error",
      error: { type: "authentication_error", message: "invalid x-api-key" },
    });
  });

  it("a stream the upstream breaks mid-way ends with Anthropic's error event, which the SDK raises", async () => {
    // Prepare
    openai.enqueueFaults({ kind: "drop-stream", afterEvents: 3 });

    // Act
    const stream = client("openai").messages.stream({
      model: "gpt-4o-mini",
      max_tokens: 64,
      messages: [{ role: "user", content: "tell me a long story" }],
    });
    const err = await stream.finalMessage().catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(String((err as Error).message)).toContain("The upstream connection failed mid-stream.");
  });
});
