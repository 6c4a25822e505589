import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fakeEmbedding, type OpenAIFake, startOpenAIFake } from "../fakes/openai-fake";
import { startTestGateway } from "../support/local-gateway";

const PROVIDER_KEY = "sk-test-provider-key-123";

describe("openai SDK through the local gateway (OpenAI pass-through)", () => {
  let fake: OpenAIFake;
  let gateway: Awaited<ReturnType<typeof startTestGateway>>;
  let client: OpenAI;

  beforeAll(async () => {
    fake = await startOpenAIFake({ apiKey: PROVIDER_KEY, chunkDelayMs: 25 });
    gateway = await startTestGateway();
    client = new OpenAI({
      apiKey: PROVIDER_KEY,
      baseURL: `${gateway.url}/v1`,
      maxRetries: 0,
      defaultHeaders: {
        "x-portkey-api-key": gateway.apiKey,
        "x-portkey-provider": "openai",
        "x-portkey-custom-host": fake.baseUrl,
      },
    });
  });
  afterAll(async () => {
    await gateway.stop();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  it("answers a chat completion with the upstream's body, usage and a trace id", async () => {
    // Act
    const { data, response } = await client.chat.completions
      .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hello there" }] })
      .withResponse();

    // Assess
    expect(data.choices[0]?.message.content).toBe("You said: hello there");
    expect(data.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 4, total_tokens: 6 });
    expect(response.headers.get("x-portkey-trace-id")).toMatch(/[0-9a-f-]{36}/);
    expect(response.headers.get("x-portkey-provider")).toBe("openai");
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
  });

  it("echoes the caller's trace id", async () => {
    const { response } = await client.chat.completions
      .create(
        { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] },
        { headers: { "x-portkey-trace-id": "trace-abc-1" } },
      )
      .withResponse();
    expect(response.headers.get("x-portkey-trace-id")).toBe("trace-abc-1");
  });

  it("streams tokens as the upstream produces them, not at the end", async () => {
    // Prepare
    const words = Array.from({ length: 12 }, (_, i) => `w${i}`).join(" ");
    const arrivals: number[] = [];
    const started = Date.now();

    // Act
    const stream = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: words }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      arrivals.push(Date.now() - started);
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }

    // Assess: 16 events spaced 25 ms apart upstream arrive spread out, the first long before the last.
    expect(text).toBe(`You said: ${words}`);
    expect(usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 14 });
    const first = arrivals[0] ?? 0;
    const last = arrivals[arrivals.length - 1] ?? 0;
    expect(arrivals.length).toBeGreaterThanOrEqual(16);
    expect(last - first).toBeGreaterThan(200);
  });

  it("creates embeddings (the SDK asks for base64 and decodes it)", async () => {
    const res = await client.embeddings.create({
      model: "text-embedding-3-small",
      input: ["the cat sat", "defgh"],
      dimensions: 32,
    });
    expect(res.data).toHaveLength(2);
    const first = res.data[0]?.embedding ?? [];
    expect(first).toHaveLength(32);
    const expected = fakeEmbedding("the cat sat", 32);
    const worstError = Math.max(...first.map((v, i) => Math.abs(v - (expected[i] as number))));
    expect(worstError).toBeLessThan(1e-6);
    expect(Math.hypot(...first)).toBeCloseTo(1, 5);
    expect(res.usage.prompt_tokens).toBe(4);
  });

  it("serves legacy completions and model listing", async () => {
    const completion = await client.completions.create({
      model: "gpt-3.5-turbo-instruct",
      prompt: "one two",
      max_tokens: 2,
    });
    expect(completion.choices[0]?.text).toBe("You said:");
    expect(completion.choices[0]?.finish_reason).toBe("length");
    const models = [];
    for await (const m of client.models.list()) models.push(m.id);
    expect(models).toContain("gpt-4o-mini");
  });

  it("surfaces an upstream 401 as the SDK's AuthenticationError with the upstream message", async () => {
    const badClient = client.withOptions({ apiKey: "sk-wrong" });
    const err = await badClient.chat.completions
      .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe("invalid_api_key");
  });

  it("surfaces an upstream 400 as BadRequestError with param and code kept", async () => {
    const err = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("messages");
  });

  it("keeps the upstream status for 429 and 5xx", async () => {
    fake.enqueueFaults(
      { kind: "status", status: 429, headers: { "retry-after": "3" } },
      { kind: "status", status: 503 },
    );
    const limited = await client.chat.completions
      .create({ model: "m", messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    const unavailable = await client.chat.completions
      .create({ model: "m", messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(unavailable).toBeInstanceOf(OpenAI.InternalServerError);
    expect((unavailable as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
  });

  it("rejects a request without a provider with a gateway-made 400", async () => {
    const bare = new OpenAI({
      apiKey: PROVIDER_KEY,
      baseURL: `${gateway.url}/v1`,
      maxRetries: 0,
      defaultHeaders: { "x-portkey-api-key": gateway.apiKey },
    });
    const err = await bare.chat.completions
      .create({ model: "m", messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe("missing_provider");
    expect(fake.requests).toHaveLength(0);
  });

  it("aborts the upstream call when the client disconnects mid-stream", async () => {
    // Prepare
    const controller = new AbortController();
    const words = Array.from({ length: 40 }, (_, i) => `t${i}`).join(" ");
    const stream = await client.chat.completions.create(
      { model: "gpt-4o-mini", messages: [{ role: "user", content: words }], stream: true },
      { signal: controller.signal },
    );

    // Act: read two chunks, then walk away
    let seen = 0;
    try {
      for await (const _ of stream) {
        seen += 1;
        if (seen === 2) controller.abort();
      }
    } catch {
      // the SDK throws an abort error
    }
    // Assess: the upstream response is cut off long before its 40 x 25 ms stream would end
    const deadline = Date.now() + 500;
    while (fake.abortedResponses === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(fake.abortedResponses).toBe(1);
    expect(seen).toBe(2);
  });

  it("aborts the upstream call when the client disconnects before the first byte (JSON and stream)", async () => {
    // Prepare: an upstream that takes the request and never answers; it notes when the gateway drops the call
    const held: IncomingMessage[] = [];
    const dropped: string[] = [];
    const silent = createServer((req) => {
      held.push(req);
      req.resume();
      req.socket.once("close", () => dropped.push(String(req.url)));
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const host = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/v1`;
    try {
      for (const stream of [false, true]) {
        const controller = new AbortController();
        const call = client.chat.completions.create(
          { model: "gpt-4o-mini", messages: [{ role: "user", content: "hello" }], stream },
          { signal: controller.signal, headers: { "x-portkey-custom-host": host } },
        );
        call.catch(() => undefined); // the SDK rejects with its abort error
        const seen = held.length;
        const until = Date.now() + 2_000;
        while (held.length === seen && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
        // Act: the client walks away while the upstream is still thinking
        controller.abort();
        // Assess: the gateway closes its upstream call at once (request_timeout would be minutes away)
        const deadline = Date.now() + 1_000;
        while (dropped.length <= seen && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        expect(held.length).toBe(seen + 1);
        expect(dropped).toHaveLength(seen + 1);
      }
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
