import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RequestSummary } from "../../shared/logging/request-summary";
import { thinkingSignature } from "../fakes/anthropic-fake";
import { type BedrockFake, startBedrockFake } from "../fakes/bedrock-fake";
import { startTestGateway, type TestGateway } from "../support/local-gateway";
import { checkMessagesEventSequence } from "../support/messages-events";

/**
 * Anthropic's Messages API on Bedrock with the unmodified `@anthropic-ai/sdk` (only `baseURL` changed): Claude
 * natively through InvokeModel / InvokeModelWithResponseStream / CountTokens (SigV4-signed, the client's body with
 * `anthropic_version: bedrock-2023-05-31`, Anthropic's events out of event-stream frames), every other model
 * through Converse (the chat layer).
 */
const REGION = "us-east-1";
const CREDS = { accessKeyId: "AKIAMESSAGESFAKE01", secretAccessKey: "messages/secret" };
const CLAUDE = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const WEATHER: Anthropic.Tool = {
  name: "get_weather",
  description: "The weather in a city",
  input_schema: { type: "object", properties: { city: { type: "string" } } },
};

let gateway: TestGateway;
let bedrock: BedrockFake;
const summaries: RequestSummary[] = [];
let seen = 0;

/** The AWS target as headers (the SDK's own API key is not used: the AWS keys sign). */
function awsHeaders(): Record<string, string> {
  return {
    "x-portkey-provider": "bedrock",
    "x-portkey-custom-host": bedrock.origin,
    "x-portkey-aws-region": REGION,
    "x-portkey-aws-access-key-id": CREDS.accessKeyId,
    "x-portkey-aws-secret-access-key": CREDS.secretAccessKey,
  };
}

function client(headers: Record<string, string> = awsHeaders()): Anthropic {
  return new Anthropic({
    apiKey: "unused",
    baseURL: gateway.url,
    maxRetries: 0,
    defaultHeaders: { "x-portkey-api-key": gateway.apiKey, ...headers },
  });
}

/** The log summary of the test's first request (written when the request is over: a stream's after its end). */
async function loggedSummary(): Promise<RequestSummary> {
  for (let i = 0; i < 100 && summaries.length <= seen; i++) await new Promise((r) => setTimeout(r, 20));
  return summaries[seen] as RequestSummary;
}

beforeAll(async () => {
  bedrock = await startBedrockFake({ ...CREDS, region: REGION });
  gateway = await startTestGateway({ observer: { finish: (s) => summaries.push(s) } });
});
afterAll(async () => {
  await gateway?.stop();
  await bedrock?.close();
});
beforeEach(() => {
  bedrock.reset();
  seen = summaries.length;
});

describe("Claude on bedrock, natively (InvokeModel)", () => {
  it("messages.create: the client's body signed to /invoke, Anthropic's answer back, usage billed", async () => {
    // Act
    const message = await client().messages.create(
      { model: CLAUDE, max_tokens: 64, system: "be brief", messages: [{ role: "user", content: "hello there" }] },
      { headers: { "anthropic-beta": "context-1m-2025-08-07, token-efficient-tools-2025-02-19" } },
    );

    // Assess: the answer as Bedrock sent it
    expect(message).toMatchObject({
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-5-20250929",
      content: [{ type: "text", text: "You said: hello there [system: be brief]" }],
      stop_reason: "end_turn",
      usage: { input_tokens: 4, output_tokens: 7 },
    });
    const sent = bedrock.requests[0];
    expect(sent?.path).toBe(`/model/${encodeURIComponent(CLAUDE)}/invoke`);
    expect(String(sent?.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAMESSAGESFAKE01\//);
    expect(sent?.json()).toEqual({
      anthropic_version: "bedrock-2023-05-31",
      anthropic_beta: ["context-1m-2025-08-07", "token-efficient-tools-2025-02-19"],
      max_tokens: 64,
      system: "be brief",
      messages: [{ role: "user", content: "hello there" }],
    });
    // neither the gateway key, the SDK's key nor Anthropic's headers reach AWS
    expect(Object.keys(sent?.headers ?? {}).filter((h) => /^(x-portkey-(?!hop)|x-api-key|anthropic-)/.test(h))).toEqual(
      [],
    );
    const summary = await loggedSummary();
    expect(summary).toMatchObject({ endpoint: "messages", provider: "bedrock", status: 200, modelServed: CLAUDE });
    expect(summary.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 7 });
  });

  it("messages.stream with thinking and a tool: Anthropic's events out of the frames, usage and cost logged", async () => {
    // Act
    const stream = client().messages.stream({
      model: CLAUDE,
      max_tokens: 2048,
      thinking: { type: "enabled", budget_tokens: 1024 },
      tools: [WEATHER],
      messages: [{ role: "user", content: "what is the weather in Paris" }],
    });
    const events: Anthropic.MessageStreamEvent[] = [];
    stream.on("streamEvent", (e) => events.push(structuredClone(e))); // as sent: the SDK grows its snapshot
    const message = await stream.finalMessage();

    // Assess: every event in Anthropic's documented shape, Bedrock's invocation metrics not among them
    checkMessagesEventSequence(events);
    expect(JSON.stringify(events)).not.toContain("invocationMetrics");
    const thinking = "The user wrote what is the weather in Paris.";
    expect(message.content).toEqual([
      { type: "thinking", thinking, signature: thinkingSignature(thinking) },
      { type: "text", text: "Let me check." },
      { type: "tool_use", id: expect.stringMatching(/^toolu_/), name: "get_weather", input: { city: "Paris" } },
    ]);
    expect(message.stop_reason).toBe("tool_use");
    expect(bedrock.requests[0]?.path).toBe(`/model/${encodeURIComponent(CLAUDE)}/invoke-with-response-stream`);
    expect(bedrock.requests[0]?.json()).not.toHaveProperty("stream");
    const summary = await loggedSummary();
    expect(summary).toMatchObject({ endpoint: "messages", provider: "bedrock", status: 200, stream: true });
    expect(summary.usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 3 + 5 + 9 });
    const rows = (await gateway.loggedText()).split("\n").filter(Boolean);
    const row = rows.map((l) => JSON.parse(l) as Record<string, unknown>).find((r) => r.trace_id === summary.traceId);
    expect(row?.cost_usd).toBeGreaterThan(0);
  });

  it("continues the tool conversation with the signed thinking sent back", async () => {
    // Prepare
    const ask: Anthropic.MessageParam = { role: "user", content: "what is the weather in Oslo" };
    const first = await client().messages.create({
      model: CLAUDE,
      max_tokens: 2048,
      thinking: { type: "enabled", budget_tokens: 1024 },
      tools: [WEATHER],
      messages: [ask],
    });
    const call = first.content.find((b) => b.type === "tool_use");

    // Act
    const second = await client().messages.create({
      model: CLAUDE,
      max_tokens: 2048,
      thinking: { type: "enabled", budget_tokens: 1024 },
      tools: [WEATHER],
      messages: [
        ask,
        { role: "assistant", content: first.content },
        { role: "user", content: [{ type: "tool_result", tool_use_id: String(call?.id), content: "rain" }] },
      ],
    });

    // Assess: natively, the thinking block went back to Claude with its signature
    expect(second.content.at(-1)).toEqual({ type: "text", text: "The tool said: rain" });
    const sent = bedrock.requests[1]?.json<{ messages: { content: unknown[] }[] }>();
    expect(bedrock.requests[1]?.path).toMatch(/\/invoke$/);
    expect(sent?.messages[1]?.content[0]).toEqual(first.content[0]);
  });

  it("messages.countTokens: Bedrock's CountTokens for the foundation model, not billed", async () => {
    // Act
    const counted = await client().messages.countTokens({
      model: CLAUDE,
      messages: [{ role: "user", content: "count these four words" }],
    });

    // Assess
    expect(counted).toEqual({ input_tokens: 4 });
    const sent = bedrock.requests[0];
    expect(sent?.path).toBe(`/model/${encodeURIComponent("anthropic.claude-sonnet-4-5-20250929-v1:0")}/count-tokens`);
    const input = sent?.json<{ input: { invokeModel: { body: string } } }>().input;
    const invoke = { body: String(input?.invokeModel.body) };
    expect(JSON.parse(Buffer.from(invoke.body, "base64").toString("utf8"))).toMatchObject({
      anthropic_version: "bedrock-2023-05-31",
      messages: [{ role: "user", content: "count these four words" }],
    });
    expect((await loggedSummary()).usage).toMatchObject({ prompt_tokens: 0, completion_tokens: 0 });
  });

  it("Bedrock's errors as Anthropic's typed errors (a ValidationException is a BadRequestError)", async () => {
    // Act
    const err = await client()
      .messages.create({
        model: CLAUDE,
        max_tokens: 16,
        messages: [
          { role: "assistant", content: "hi" },
          { role: "assistant", content: "again" },
        ],
      })
      .catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({
      type: "error",
      error: { type: "invalid_request_error", message: expect.stringContaining("alternate") },
    });
  });

  it.each([
    [429, "ThrottlingException", Anthropic.RateLimitError, "rate_limit_error"],
    [408, "ModelTimeoutException", Anthropic.APIError, "timeout_error"],
    [503, "ServiceUnavailableException", Anthropic.InternalServerError, "overloaded_error"],
  ] as const)("Bedrock's %i %s is Anthropic's %s", async (status, bedrockType, errorClass, type) => {
    // Prepare
    bedrock.enqueueFaults({
      kind: "status",
      status,
      body: JSON.stringify({ message: `fake ${bedrockType}` }),
      headers: { "content-type": "application/json", "x-amzn-errortype": bedrockType },
    });

    // Act
    const err = await client()
      .messages.create({ model: CLAUDE, max_tokens: 16, messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(errorClass);
    expect((err as InstanceType<typeof Anthropic.APIError>).status).toBe(status);
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toEqual({
      type: "error",
      error: { type, message: `fake ${bedrockType}` },
    });
  });

  it("a throttling frame before the first event is retried (a failure before the first byte)", async () => {
    // Prepare: the first stream opens with Bedrock's throttlingException
    bedrock.failNextClaudeStream("throttlingException", "Too many tokens, please wait before trying again.");
    const config = {
      provider: "bedrock",
      custom_host: bedrock.origin,
      aws_region: REGION,
      aws_access_key_id: CREDS.accessKeyId,
      aws_secret_access_key: CREDS.secretAccessKey,
      retry: { attempts: 1 },
    };

    // Act
    const stream = client({ "x-portkey-config": JSON.stringify(config) }).messages.stream({
      model: CLAUDE,
      max_tokens: 64,
      messages: [{ role: "user", content: "hello" }],
    });
    const message = await stream.finalMessage();

    // Assess
    expect(message.content).toEqual([{ type: "text", text: "You said: hello" }]);
    expect(bedrock.requests).toHaveLength(2);
    expect((await loggedSummary()).attempts.map((a) => a.status)).toEqual([502, 200]);
  });

  it("a throttling frame with no retry left is Anthropic's rate_limit_error", async () => {
    // Prepare
    bedrock.failNextClaudeStream("throttlingException", "Too many tokens, please wait before trying again.");

    // Act
    const err = await client()
      .messages.stream({ model: CLAUDE, max_tokens: 64, messages: [{ role: "user", content: "hello" }] })
      .finalMessage()
      .catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(JSON.stringify((err as InstanceType<typeof Anthropic.APIError>).error)).toContain("rate_limit_error");
  });
});

describe("other models on bedrock: through Converse (the chat layer)", () => {
  it("messages.create and messages.stream for Nova are translated to Converse", async () => {
    // Act
    const message = await client().messages.create({
      model: "amazon.nova-lite-v1:0",
      max_tokens: 64,
      messages: [{ role: "user", content: "hello there" }],
    });
    const streamed = await client()
      .messages.stream({ model: "amazon.nova-lite-v1:0", max_tokens: 64, messages: [{ role: "user", content: "hi" }] })
      .finalMessage();
    const counted = await client().messages.countTokens({
      model: "amazon.nova-lite-v1:0",
      messages: [{ role: "user", content: "count these four words" }],
    });

    // Assess
    expect(message.content).toEqual([{ type: "text", text: "You said: hello there" }]);
    expect(streamed.content).toEqual([{ type: "text", text: "You said: hi" }]);
    expect(bedrock.requests.map((r) => r.path)).toEqual([
      `/model/${encodeURIComponent("amazon.nova-lite-v1:0")}/converse`,
      `/model/${encodeURIComponent("amazon.nova-lite-v1:0")}/converse-stream`,
    ]);
    expect(counted.input_tokens).toBeGreaterThan(0); // the gateway's estimate: no upstream call
  });
});

describe("a bedrock virtual key's slug as the SDK's API key (Claude Code's setup)", () => {
  it("signs with the stored AWS keys", async () => {
    // Prepare
    const created = await gateway.admin("POST", "/v1/virtual-keys", {
      name: "bedrock claude",
      provider: "bedrock",
      aws_region: REGION,
      aws_access_key_id: CREDS.accessKeyId,
      aws_secret_access_key: CREDS.secretAccessKey,
      custom_host: bedrock.origin,
      workspace_id: gateway.workspaceId,
    });
    const slug = String(created.json.slug);
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
    expect(bedrock.requests[0]?.path).toMatch(/\/invoke$/);
    expect(String(bedrock.requests[0]?.headers.authorization)).toContain(CREDS.accessKeyId);
    expect((await loggedSummary()).virtualKey).toBe(slug);
  });
});
