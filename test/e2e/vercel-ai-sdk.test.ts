import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { embed, embedMany, generateObject, generateText, type LanguageModel, stepCountIs, streamText, tool } from "ai";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { FAKE_EMBEDDING_DIMS, fakeEmbedding } from "../fakes/openai-fake";
import { TOOL_ARGS } from "../fakes/scripted-reply";
import { type ClientProvider, PROVIDER_KEYS, type UpstreamApi, useClientUpstreams } from "../support/client-upstreams";

/**
 * The Vercel AI SDK (`ai` with `@ai-sdk/openai` and `@ai-sdk/anthropic`), unmodified but for `baseURL` and headers,
 * through the local runtime: `openai.chat()` (chat completions), `openai.responses()` (the Responses API) and
 * `anthropic()` (the Messages API), each natively on its own provider and translated on the others; text, streams,
 * tool calls with a zod schema run to the final answer, usage as the fakes report it, embeddings and objects.
 */
const env = useClientUpstreams();

const MODELS: Readonly<Record<ClientProvider, string>> = {
  openai: "gpt-4.1-mini",
  anthropic: "claude-sonnet-4-5",
  groq: "llama-3.3-70b-versatile",
};

/** The AI SDK's three language-model APIs and the gateway endpoint each one calls. */
type SdkApi = "chat" | "responses" | "messages";

function model(api: SdkApi, provider: ClientProvider): LanguageModel {
  const upstream: UpstreamApi = provider === "openai" && api === "messages" ? "chat" : api;
  const headers = env.headers(provider, upstream);
  if (api === "messages") {
    return createAnthropic({ apiKey: PROVIDER_KEYS[provider], baseURL: env.baseURL, headers })(MODELS[provider]);
  }
  const openai = createOpenAI({ apiKey: PROVIDER_KEYS[provider], baseURL: env.baseURL, headers });
  return api === "chat" ? openai.chat(MODELS[provider]) : openai.responses(MODELS[provider]);
}

const CASES: readonly { api: SdkApi; provider: ClientProvider; endpoint: string; path: string }[] = [
  { api: "chat", provider: "openai", endpoint: "chat", path: "native" },
  { api: "chat", provider: "anthropic", endpoint: "chat", path: "translated" },
  { api: "responses", provider: "openai", endpoint: "responses", path: "native" },
  { api: "responses", provider: "anthropic", endpoint: "responses", path: "chat layer" },
  { api: "responses", provider: "groq", endpoint: "responses", path: "chat layer" },
  { api: "messages", provider: "anthropic", endpoint: "messages", path: "native" },
  { api: "messages", provider: "openai", endpoint: "messages", path: "chat layer" },
  { api: "messages", provider: "groq", endpoint: "messages", path: "chat layer" },
];

const weather = tool({
  description: "The weather in a city",
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => `sunny in ${city}`,
});

describe.each(CASES)("$api model on $provider ($path)", ({ api, provider, endpoint }) => {
  it("generateText: the text, and the usage the provider reported", async () => {
    // Act
    const result = await generateText({ model: model(api, provider), prompt: "hello there", maxRetries: 0 });

    // Assess: every fake answers "You said: <text>" and counts words as tokens
    expect(result.text).toBe("You said: hello there");
    expect(result.finishReason).toBe("stop");
    expect(result.usage).toMatchObject({ inputTokens: 2, outputTokens: 4 });
    const logged = await env.logged();
    expect(logged).toMatchObject({ endpoint, provider, status: 200, stream: false });
    expect(logged.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 4 });
  });

  it("streamText: the deltas make the text, the usage arrives at the end", async () => {
    // Act
    const result = streamText({ model: model(api, provider), prompt: "stream this please", maxRetries: 0 });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);

    // Assess
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join("")).toBe("You said: stream this please");
    expect(await result.usage).toMatchObject({ inputTokens: 3, outputTokens: 5 });
    expect(await result.finishReason).toBe("stop");
    expect(await env.logged()).toMatchObject({ endpoint, provider, status: 200, stream: true });
  });

  it("generateText with a tool: the call's zod-checked input, its result sent back, the final text", async () => {
    // Act
    const result = await generateText({
      model: model(api, provider),
      prompt: "What is the weather in Paris?",
      tools: { get_weather: weather },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });

    // Assess
    const [call, answer] = result.steps;
    expect(call?.finishReason).toBe("tool-calls");
    expect(call?.toolCalls).toMatchObject([{ toolName: "get_weather", input: TOOL_ARGS }]);
    expect(call?.toolResults).toMatchObject([{ toolName: "get_weather", output: "sunny in Paris" }]);
    expect(answer?.text).toBe("The tool said: sunny in Paris");
    expect(result.text).toBe("The tool said: sunny in Paris");
    expect(result.steps).toHaveLength(2);
  });

  it("streamText with a tool: the streamed call, then the streamed final text", async () => {
    // Act
    const result = streamText({
      model: model(api, provider),
      prompt: "What is the weather in Paris?",
      tools: { get_weather: weather },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    const parts: string[] = [];
    for await (const part of result.fullStream) parts.push(part.type);

    // Assess
    const steps = await result.steps;
    expect(steps[0]?.toolCalls).toMatchObject([{ toolName: "get_weather", input: TOOL_ARGS }]);
    expect(await result.text).toBe("The tool said: sunny in Paris");
    expect(parts).toContain("tool-input-delta");
    expect(parts).toContain("tool-result");
    expect(parts.filter((p) => p === "text-delta").length).toBeGreaterThan(1);
  });
});

describe("generateObject", () => {
  const RECIPE = z.object({ name: z.string(), minutes: z.number(), vegan: z.boolean() });
  /** `@ai-sdk/anthropic` asks for structured outputs (`output_config.format`) or forces a "json" tool. */
  const OUTPUT_FORMAT = { anthropic: { structuredOutputMode: "outputFormat" as const } };

  it.each([
    { api: "chat", provider: "openai" },
    { api: "chat", provider: "anthropic" },
    { api: "responses", provider: "openai" },
    { api: "responses", provider: "anthropic" },
    { api: "responses", provider: "groq" },
    { api: "messages", provider: "anthropic" },
    { api: "messages", provider: "openai" },
    { api: "messages", provider: "openai", providerOptions: OUTPUT_FORMAT },
  ] as const)("$api model on $provider: an object matching the schema ($providerOptions)", async (c) => {
    // Act
    const result = await generateObject({
      model: model(c.api, c.provider),
      schema: RECIPE,
      prompt: "pancakes",
      maxRetries: 0,
      ...("providerOptions" in c ? { providerOptions: c.providerOptions } : {}),
    });

    // Assess: the fakes fill a schema with the prompt's text, 42 and true
    expect(result.object).toEqual({ name: "pancakes", minutes: 42, vegan: true });
  });
});

describe("embeddings through openai.embedding()", () => {
  const embedding = () =>
    createOpenAI({
      apiKey: PROVIDER_KEYS.openai,
      baseURL: env.baseURL,
      headers: env.headers("openai", "embeddings"),
    }).embedding("text-embedding-3-small");

  it("embed: the provider's vector and usage", async () => {
    // Act
    const result = await embed({ model: embedding(), value: "sunny day at the beach", maxRetries: 0 });

    // Assess
    expect(result.embedding).toHaveLength(FAKE_EMBEDDING_DIMS);
    expect(result.embedding[0]).toBeCloseTo(fakeEmbedding("sunny day at the beach")[0] as number, 6);
    expect(result.embedding).toEqual(fakeEmbedding("sunny day at the beach").map((v) => expect.closeTo(v, 6)));
    expect(result.usage.tokens).toBe(5);
    const logged = await env.logged();
    expect(logged).toMatchObject({ endpoint: "embeddings", provider: "openai", status: 200 });
    expect(logged.usage).toMatchObject({ prompt_tokens: 5 });
  });

  it("embedMany: one vector per value, in order", async () => {
    // Act
    const result = await embedMany({ model: embedding(), values: ["one two", "three"], maxRetries: 0 });

    // Assess
    expect(result.embeddings).toHaveLength(2);
    expect(result.embeddings[1]).toEqual(fakeEmbedding("three").map((v) => expect.closeTo(v, 6)));
    expect(result.usage.tokens).toBe(3);
  });
});
