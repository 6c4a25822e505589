import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAnthropicFake } from "../fakes/anthropic-fake";
import type { FakeServer } from "../fakes/fake-server";
import { startOpenAIResponsesFake } from "../fakes/openai-responses-fake";
import { startOpenAIChatFake } from "../fakes/openai-wire-fake";
import { TOOL_ARGS } from "../fakes/scripted-reply";
import { startTestGateway, type TestGateway } from "../support/local-gateway";
import { expectDocumentedEvents } from "../support/responses-events";

/**
 * `POST /v1/responses` with the unmodified `openai` SDK (only `baseURL` changed) through the local runtime: natively
 * to OpenAI's Responses API (a fake of it), and through the chat translation layer to Anthropic and an
 * OpenAI-compatible provider (groq). Text, tools, streams checked event by event, and the conversation state.
 */
type Json = Record<string, unknown>;

interface Case {
  readonly provider: string;
  readonly model: string;
  /** Served through the chat layer (the gateway holds the state) or natively (the provider does). */
  readonly translated: boolean;
  start(): Promise<{ fake: FakeServer; customHost: string; apiKey: string }>;
}

const CASES: readonly Case[] = [
  {
    provider: "openai",
    model: "gpt-4.1",
    translated: false,
    async start() {
      const fake = await startOpenAIResponsesFake("sk-openai-fake");
      return { fake, customHost: fake.baseUrl, apiKey: "sk-openai-fake" };
    },
  },
  {
    provider: "anthropic",
    model: "claude-3-5-haiku-20241022",
    translated: true,
    async start() {
      const fake = await startAnthropicFake({ apiKey: "sk-ant-fake", chunkDelayMs: 1 });
      return { fake, customHost: fake.baseUrl, apiKey: "sk-ant-fake" };
    },
  },
  {
    provider: "groq",
    model: "llama-3.3-70b-versatile",
    translated: true,
    async start() {
      const fake = await startOpenAIChatFake("gsk-fake");
      return { fake, customHost: `${fake.origin}/v1`, apiKey: "gsk-fake" };
    },
  },
];

const WEATHER_TOOL = {
  type: "function" as const,
  name: "get_weather",
  description: "The weather in a city",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  strict: false,
};

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.stop());

describe.each(CASES)("/v1/responses on $provider", (c) => {
  let fake: FakeServer;
  let client: OpenAI;
  beforeAll(async () => {
    const started = await c.start();
    fake = started.fake;
    client = new OpenAI({
      apiKey: started.apiKey,
      baseURL: `${gateway.url}/v1`,
      maxRetries: 0,
      defaultHeaders: {
        "x-portkey-api-key": gateway.apiKey,
        "x-portkey-provider": c.provider,
        "x-portkey-custom-host": started.customHost,
      },
    });
  });
  afterAll(() => fake.close());

  it("answers text with instructions, its usage and its id", async () => {
    // Act
    const response = await client.responses.create({
      model: c.model,
      instructions: "Be brief.",
      input: "hello there",
      max_output_tokens: 50,
    });

    // Assess
    expect(response.id).toMatch(/^resp_/);
    expect(response.object).toBe("response");
    expect(response.status).toBe("completed");
    expect(response.output_text).toBe("You said: hello there [system: Be brief.]");
    expect(response.output[0]).toMatchObject({ type: "message", role: "assistant", status: "completed" });
    expect(response.usage?.output_tokens).toBe(7);
    expect(response.usage?.input_tokens).toBeGreaterThan(0);
  });

  it("streams the documented events in order, text and usage included", async () => {
    // Act
    const stream = await client.responses.create({ model: c.model, input: "stream this please", stream: true });
    const events: Json[] = [];
    for await (const event of stream) events.push(event as unknown as Json);

    // Assess
    const response = expectDocumentedEvents(events);
    expect(response.status).toBe("completed");
    expect((response.output as Json[]).length).toBe(1);
    expect(JSON.stringify(response.output)).toContain("You said: stream this please");
  });

  it("calls a function, streamed, and continues with its output through previous_response_id", async () => {
    // Act
    const stream = client.responses.stream({
      model: c.model,
      input: [{ role: "user", content: "What is the weather in Paris?" }],
      tools: [WEATHER_TOOL],
    });
    const events: Json[] = [];
    const raw = await client.responses.create({
      model: c.model,
      input: [{ role: "user", content: "What is the weather in Paris?" }],
      tools: [WEATHER_TOOL],
      stream: true,
    });
    for await (const event of raw) events.push(event as unknown as Json);
    const first = await stream.finalResponse();
    const call = first.output.find((item) => item.type === "function_call");
    const second = await client.responses.create({
      model: c.model,
      previous_response_id: first.id,
      input: [
        { type: "function_call_output", call_id: call?.type === "function_call" ? call.call_id : "", output: "sunny" },
      ],
      tools: [WEATHER_TOOL],
    });

    // Assess
    const streamed = expectDocumentedEvents(events);
    expect(JSON.stringify(streamed.output)).toContain("function_call");
    expect(call).toMatchObject({ type: "function_call", name: "get_weather", status: "completed" });
    expect(JSON.parse(call?.type === "function_call" ? call.arguments : "{}")).toEqual(TOOL_ARGS);
    expect(second.output_text).toBe("The tool said: sunny");
    expect(second.previous_response_id).toBe(first.id);
  });

  it("keeps the conversation: previous_response_id, retrieve, input_items and delete", async () => {
    // Prepare
    const first = await client.responses.create({ model: c.model, input: "first turn" });

    // Act
    const second = await client.responses.create({
      model: c.model,
      previous_response_id: first.id,
      input: "second turn",
    });
    const retrieved = await client.responses.retrieve(second.id);
    const items = await client.responses.inputItems.list(second.id);
    await client.responses.delete(second.id);
    const afterDelete = await client.responses.retrieve(second.id).catch((err: unknown) => err);

    // Assess
    expect(second.output_text).toBe("You said: second turn [turns: 2]");
    expect(retrieved.id).toBe(second.id);
    expect(retrieved.output_text).toBe(second.output_text);
    expect(items.data.length).toBe(3); // first turn, its answer, second turn
    expect(items.data[0]).toMatchObject({ type: "message", role: "user" });
    expect(afterDelete).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it.runIf(c.translated)("answers OpenAI's 400 for a previous_response_id it does not hold", async () => {
    // Act
    const err = await client.responses
      .create({ model: c.model, previous_response_id: "resp_unknown", input: "hi" })
      .catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe("previous_response_not_found");
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("previous_response_id");
  });

  it.runIf(c.translated)("does not store a response made with store: false", async () => {
    // Prepare
    const response = await client.responses.create({ model: c.model, input: "forget me", store: false });

    // Act
    const err = await client.responses.retrieve(response.id).catch((e: unknown) => e);

    // Assess
    expect((response as unknown as Json).store).toBe(false);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
  });
});
