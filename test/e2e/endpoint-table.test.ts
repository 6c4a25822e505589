import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeServer } from "../fakes/fake-server";
import { type OpenAIFake, startOpenAIFake } from "../fakes/openai-fake";
import { FAKE_MP3, startOpenAIMediaFake } from "../fakes/openai-media-fake";
import { startTestGateway, type TestGateway } from "../support/local-gateway";

/**
 * The data-plane endpoint table through the local runtime: what each endpoint declares (streamed form, the
 * providers that serve it) is what a client gets, whichever provider answers.
 */
let gateway: TestGateway;
let openai: OpenAIFake;
let media: FakeServer;

beforeAll(async () => {
  [gateway, openai, media] = await Promise.all([
    startTestGateway(),
    startOpenAIFake({ apiKey: "sk-openai" }),
    startOpenAIMediaFake("sk-openai"),
  ]);
});
afterAll(async () => {
  await Promise.all([openai.close(), media.close()]);
  await gateway.stop();
});

function call(path: string, body: unknown, headers: Record<string, string>): Promise<Response> {
  return fetch(`${gateway.url}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-portkey-api-key": gateway.apiKey,
      authorization: "Bearer sk-openai",
      ...headers,
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
}

describe("stream: true on an endpoint without a streamed form", () => {
  it("answers /v1/embeddings with the embeddings JSON when a lenient upstream ignores the flag", async () => {
    // Act
    const res = await call(
      "/v1/embeddings",
      { model: "text-embedding-3-small", input: "hello world", stream: true },
      { "x-portkey-provider": "openai", "x-portkey-custom-host": openai.baseUrl },
    );

    // Assess
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    const json = (await res.json()) as { data: { embedding: number[] }[]; usage: { prompt_tokens: number } };
    expect(json.data[0]?.embedding.length).toBeGreaterThan(0);
    expect(json.usage.prompt_tokens).toBe(2);
  });

  it("answers /v1/audio/speech with the audio bytes", async () => {
    // Act
    const res = await call(
      "/v1/audio/speech",
      { model: "gpt-4o-mini-tts", input: "hi", voice: "alloy", stream: true },
      { "x-portkey-provider": "openai", "x-portkey-custom-host": `${media.origin}/v1` },
    );

    // Assess
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("audio/mpeg");
    expect(Buffer.from(await res.arrayBuffer())).toEqual(FAKE_MP3);
  });
});

describe("an endpoint the provider does not serve", () => {
  const cases = [
    { provider: "anthropic", path: "/v1/embeddings", serves: "/v1/chat/completions" },
    { provider: "stability-ai", path: "/v1/chat/completions", serves: "/v1/images/generations" },
    { provider: "perplexity-ai", path: "/v1/embeddings", serves: "/v1/chat/completions" },
    { provider: "mistral-ai", path: "/v1/completions", serves: "/v1/chat/completions, /v1/embeddings, /v1/models" },
  ];

  it.each(cases)("is one 400 unsupported_endpoint naming what $provider serves ($path)", async (c) => {
    // Prepare: the upstream would answer anything; it must not be called
    const before = openai.requests.length;
    const client = new OpenAI({
      apiKey: "sk-openai",
      baseURL: `${gateway.url}/v1`,
      maxRetries: 0,
      defaultHeaders: {
        "x-portkey-api-key": gateway.apiKey,
        "x-portkey-provider": c.provider,
        "x-portkey-custom-host": openai.baseUrl,
      },
    });

    // Act
    const err = await client
      .post(c.path.slice("/v1".length), {
        body: { model: "m", input: "x", prompt: "x", messages: [{ role: "user", content: "x" }] },
      })
      .catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const error = (err as InstanceType<typeof OpenAI.BadRequestError>).error as Record<string, unknown>;
    expect(error).toEqual({
      message: `Provider ${c.provider} does not serve ${c.path}; it serves ${c.serves}.`,
      type: "invalid_request_error",
      param: null,
      code: "unsupported_endpoint",
    });
    expect(openai.requests.length).toBe(before);
  });
});
