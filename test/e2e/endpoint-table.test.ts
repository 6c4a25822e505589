import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENDPOINT_ROWS, isTemplated, upstreamPath } from "../../shared/core/endpoints";
import type { RequestSummary } from "../../shared/logging/request-summary";
import { functionForPath } from "../../shared/routes";
import { type FakeServer, startFakeServer } from "../fakes/fake-server";
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
/** Answers every request with a small JSON document, and records it. */
let echo: FakeServer;
const summaries: RequestSummary[] = [];

beforeAll(async () => {
  [gateway, openai, media, echo] = await Promise.all([
    startTestGateway({ observer: { finish: (summary) => summaries.push(summary) } }),
    startOpenAIFake({ apiKey: "sk-openai" }),
    startOpenAIMediaFake("sk-openai"),
    startFakeServer(({ res }) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"object":"echo"}');
    }),
  ]);
});
afterAll(async () => {
  await Promise.all([openai.close(), media.close(), echo.close()]);
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

describe("every row of the endpoint table", () => {
  it("has a method and path of its own", () => {
    expect(new Set(ENDPOINT_ROWS.map((row) => `${row.method} ${row.path}`)).size).toBe(ENDPOINT_ROWS.length);
  });

  it.each(ENDPOINT_ROWS.map((row) => ({ row, path: row.path })))("is served at $path", async ({ row }) => {
    // Prepare
    const multipart = "multipart/form-data; boundary=b";
    const body =
      row.body === "json"
        ? JSON.stringify({ model: "m", input: "x" })
        : row.body === "multipart"
          ? '--b\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n--b--\r\n'
          : undefined;

    // a templated row (`/v1/models/{model}`) is called with a concrete id, which the upstream receives as is
    const path = row.path.replace(/\{[^}]+\}/g, "id-1");

    // Act
    const res = await fetch(`${gateway.url}${path}`, {
      method: row.method,
      headers: {
        "x-portkey-api-key": gateway.apiKey,
        // a row OpenAI's API lacks (rerank) through an OpenAI-compatible server that serves it
        "x-portkey-provider": row.openAI === false ? "vllm" : "openai",
        "x-portkey-custom-host": `${echo.origin}/v1`,
        authorization: "Bearer sk-openai",
        ...(body === undefined ? {} : { "content-type": row.body === "json" ? "application/json" : multipart }),
      },
      body,
      signal: AbortSignal.timeout(10_000),
    });

    // Assess: the API Gateway resource and the local runtime send it to the gateway, which calls the upstream at
    // the row's path below the base URL with the client's body
    expect(functionForPath(row.path)).toBe("gateway");
    expect(res.status).toBe(200);
    const sent = echo.requests.at(-1);
    expect(sent?.method).toBe(row.method);
    expect(sent?.path).toBe(isTemplated(row) ? path : `/v1${upstreamPath(row)}`);
    expect(sent?.body.toString()).toBe(body ?? "");
    const wrong = await fetch(`${gateway.url}${path}`, {
      method: row.method === "GET" ? "POST" : "GET",
      headers: { "x-portkey-api-key": gateway.apiKey },
    });
    expect(wrong.status).toBe(405);
  });
});

describe("a streamed /v1/completions through an OpenAI-family provider", () => {
  it("is costed from the upstream's usage chunk, which a client that did not ask for it never sees", async () => {
    // Prepare
    const client = new OpenAI({
      apiKey: "sk-openai",
      baseURL: `${gateway.url}/v1`,
      maxRetries: 0,
      defaultHeaders: {
        "x-portkey-api-key": gateway.apiKey,
        "x-portkey-provider": "openai",
        "x-portkey-custom-host": openai.baseUrl,
      },
    });

    // Act
    const stream = await client.completions.create({
      model: "gpt-3.5-turbo-instruct",
      prompt: "one two three",
      stream: true,
    });
    const chunks: OpenAI.Completion[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    await expect.poll(() => summaries.find((s) => s.endpoint === "completions" && s.stream)).toBeDefined();

    // Assess: the gateway asked for usage; the client got only text chunks; the request is costed exactly
    expect(openai.requests.at(-1)?.json().stream_options).toEqual({ include_usage: true });
    expect(chunks.map((c) => c.choices[0]?.text).join("")).toBe("You said: one two three");
    expect(chunks.every((c) => c.choices.length === 1 && !c.usage)).toBe(true);
    const summary = summaries.find((s) => s.endpoint === "completions" && s.stream);
    expect(summary?.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 });
  });
});

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
