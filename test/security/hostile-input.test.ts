import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeServer, startFakeServer } from "../fakes/fake-server";
import { type Arena, CHAT, fakeTarget, KEYED_UPSTREAM, PROVIDER_KEY, startArena } from "./arena";

/**
 * Hostile input: bodies nested far deeper than any real request, configs nested to exhaust the compiler's stack,
 * dates beyond the calendar, and a fuzz over the data plane's headers and bodies. Every answer is a 4xx in
 * OpenAI's error shape, never a 500 (which would also mean a stack overflow or an unhandled exception).
 */
const DEPTH = 20_000;
const HEADER_DEPTH = 1_000;

let bench: Arena;
let vkSlug: string;

/** `[[[ ... ]]]` nested `depth` times (built as text: a recursive builder would overflow first). */
function deepArrayJson(depth: number): string {
  return `${"[".repeat(depth)}${"]".repeat(depth)}`;
}

/** `{"$and":[{"$and":[ ... {"metadata.x":"y"} ... ]}]}` nested `depth` times. */
function deepQueryJson(depth: number): string {
  return `${'{"$and":['.repeat(depth)}{"metadata.x":"y"}${"]}".repeat(depth)}`;
}

function expectClientError(res: { status: number; body: Record<string, unknown> }, status = 400): void {
  expect(res.status).toBe(status);
  const error = res.body.error as Record<string, unknown> | undefined;
  expect(error).toBeDefined();
  expect(typeof error?.message).toBe("string");
  expect(error?.type).toBe("invalid_request_error");
}

beforeAll(async () => {
  bench = await startArena(KEYED_UPSTREAM);
  vkSlug = await bench.gateway.createVirtualKey({
    name: "budgeted",
    key: PROVIDER_KEY,
    custom_host: bench.attacker.baseUrl,
    usage_limits: { credit_limit: 100, periodic_reset: "monthly" },
  });
});
afterAll(async () => {
  await bench.stop();
});

describe("deeply nested request bodies are a 400, whatever the request goes through", () => {
  const deepBody = `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"x":${deepArrayJson(DEPTH)}}`;

  it("a plain request", async () => {
    const res = await bench.post("/v1/chat/completions", deepBody, {
      "x-portkey-config": JSON.stringify(fakeTarget(bench)),
    });
    expectClientError(res);
    expect(String((res.body.error as Record<string, unknown>).message)).toContain("nested");
  });

  it("with the cache on (the cache key canonicalises the body)", async () => {
    const res = await bench.post("/v1/chat/completions", deepBody, {
      "x-portkey-config": JSON.stringify({ ...fakeTarget(bench), cache: { mode: "simple" } }),
    });
    expectClientError(res);
  });

  it("with an @virtual-key model under a budget (the estimator walks the messages)", async () => {
    const body = `{"model":"@${vkSlug}/gpt-4o-mini","messages":[{"role":"user","content":${deepArrayJson(DEPTH)}}]}`;
    const res = await bench.post("/v1/chat/completions", body);
    expectClientError(res);
  });

  it("a body nested just within the limit still works", async () => {
    const res = await bench.post(
      "/v1/chat/completions",
      `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"metadata":{"x":${deepArrayJson(50)}}}`,
      { "x-portkey-config": JSON.stringify({ ...fakeTarget(bench), cache: { mode: "simple" } }) },
    );
    expect(res.status).toBe(200);
  });
});

describe("deeply nested configs are a 400, sent inline or saved", () => {
  const deepConfigs: Record<string, string> = {
    "conditions ($and in $and ...)": `{"strategy":{"mode":"conditional","conditions":[{"query":${deepQueryJson(DEPTH)},"then":"a"}],"default":"a"},"targets":[{"name":"a","provider":"openai","api_key":"k"}]}`,
    override_params: `{"provider":"openai","api_key":"k","override_params":{"x":${deepArrayJson(DEPTH)}}}`,
    "a guardrail's JSON Schema": `{"provider":"openai","api_key":"k","before_request_hooks":[{"id":"h","type":"guardrail","checks":[{"id":"default.jsonSchema","parameters":{"schema":${'{"items":'.repeat(DEPTH)}{}${"}".repeat(DEPTH)}}}]}]}`,
  };

  for (const [name, config] of Object.entries(deepConfigs)) {
    it(`inline: ${name}`, async () => {
      // A header holds at most 16 KiB: nested 1,000 deep, still far past the limit.
      const inline = config
        .replaceAll(deepArrayJson(DEPTH), deepArrayJson(HEADER_DEPTH))
        .replaceAll(deepQueryJson(DEPTH), deepQueryJson(HEADER_DEPTH))
        .replace('{"items":'.repeat(DEPTH), '{"items":'.repeat(HEADER_DEPTH))
        .replace("}".repeat(DEPTH), "}".repeat(HEADER_DEPTH));
      const res = await bench.post("/v1/chat/completions", CHAT, { "x-portkey-config": inline });
      expectClientError(res);
    });

    it(`saved: ${name}`, async () => {
      const res = await fetch(`${bench.gateway.url}/v1/configs`, {
        method: "POST",
        headers: { "x-portkey-api-key": bench.gateway.apiKey, "content-type": "application/json" },
        body: `{"name":"deep","config":${config}}`,
      });
      const body = (await res.json()) as Record<string, unknown>;
      expectClientError({ status: res.status, body });
    });
  }
});

describe("names longer than any stored key are a 404, not a database error", () => {
  const long = "v".repeat(3_000);

  it("a virtual key slug in the header or the model", async () => {
    const inHeader = await bench.post("/v1/chat/completions", CHAT, { "x-portkey-virtual-key": long });
    const inModel = await bench.post("/v1/chat/completions", { ...CHAT, model: `@${long}/gpt-4o-mini` });
    expect([inHeader.status, inModel.status]).toEqual([404, 404]);
  });

  // The admin router bounds path parameters (1-256 characters) before any lookup: a clear 400 naming the parameter.
  it.each(["/v1/configs", "/v1/virtual-keys", "/v1/prompts"])("GET %s/{3,000 characters}", async (path) => {
    const res = await fetch(`${bench.gateway.url}${path}/${long}`, {
      headers: { "x-portkey-api-key": bench.gateway.apiKey },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; param: string | null } };
    expect(body.error.code).toBe("invalid_path");
    expect(body.error.param).not.toBeNull();
  });
});

describe("dates beyond the calendar are a 400", () => {
  it.each([1e300, 8.64e12, "275760-09-14T00:00:00Z"])("api key expires_at %s", async (expiresAt) => {
    const created = await bench.gateway.admin("POST", "/v1/api-keys", {
      name: "far future",
      workspace_id: bench.gateway.workspaceId,
      scopes: ["completions"],
      expires_at: expiresAt,
    });
    expectClientError({ status: created.status, body: created.json });
    expect((created.json.error as Record<string, unknown>).param).toBe("expires_at");
  });
});

/**
 * The fuzz's upstream: a 200 in the right shape for any request (SSE when `stream: true`), so that any 5xx the
 * client sees is the gateway's own.
 */
async function startTolerantUpstream(): Promise<FakeServer> {
  return startFakeServer(({ req, res, recorded }) => {
    let stream = false;
    try {
      stream = (JSON.parse(recorded.body.toString("utf8")) as { stream?: unknown }).stream === true;
    } catch {
      // not JSON: answer as JSON
    }
    const usage = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 };
    if (req.url?.endsWith("/embeddings") && !stream) {
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          object: "list",
          data: [{ object: "embedding", index: 0, embedding: [0.1] }],
          model: "m",
          usage,
        }),
      );
      return;
    }
    const choice = { index: 0, message: { role: "assistant", content: "ok" }, text: "ok", finish_reason: "stop" };
    if (stream) {
      res.setHeader("content-type", "text/event-stream");
      const chunk = {
        id: "c",
        object: "chat.completion.chunk",
        created: 1,
        model: "m",
        choices: [{ index: 0, delta: { content: "ok" }, finish_reason: "stop" }],
        usage,
      };
      res.end(`data: ${JSON.stringify(chunk)}\n\ndata: [DONE]\n\n`);
      return;
    }
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ id: "c", object: "chat.completion", created: 1, model: "m", choices: [choice], usage }));
  });
}

describe("a fuzz over the data plane's headers and bodies never gets a 5xx", () => {
  let tolerant: FakeServer;
  let jsonOnly: FakeServer;
  beforeAll(async () => {
    tolerant = await startTolerantUpstream();
    jsonOnly = await startFakeServer(({ res }) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ object: "list", data: [], model: "m" }));
    });
  });
  afterAll(async () => {
    await tolerant.close();
    await jsonOnly.close();
  });

  const headerValue = fc.string({
    unit: fc.constantFrom(..." !\"#$%&'()*+,-./0123456789:;<=>?@AZaz[\\]^_`{|}~"),
    maxLength: 40,
  });
  const jsonHeader = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v));
  const optionalHeaders = fc.record(
    {
      "x-portkey-metadata": fc.oneof(headerValue, jsonHeader),
      "x-portkey-trace-id": headerValue,
      "x-portkey-forward-headers": headerValue,
      "x-portkey-cache-namespace": headerValue,
      "x-portkey-cache-force-refresh": headerValue,
      "x-portkey-debug": headerValue,
      "x-portkey-virtual-key": headerValue,
      "x-portkey-retry-count": headerValue,
    },
    { requiredKeys: [] },
  );
  const body = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
    fc
      .record(
        {
          model: fc.oneof(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 1 })),
          messages: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant([{ role: "user", content: "hi" }])),
          stream: fc.oneof(fc.boolean(), fc.jsonValue({ maxDepth: 1 })),
          max_tokens: fc.jsonValue({ maxDepth: 1 }),
          n: fc.jsonValue({ maxDepth: 1 }),
          temperature: fc.jsonValue({ maxDepth: 1 }),
        },
        { requiredKeys: [] },
      )
      .map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 60 }),
  );
  const path = fc.constantFrom("/v1/chat/completions", "/v1/completions", "/v1/embeddings");

  it("a stream the upstream sends whole, in one write, ends (found by this fuzz: it hung until the idle timeout)", async () => {
    // Act
    const res = await bench.post(
      "/v1/chat/completions",
      { ...CHAT, stream: true },
      {
        "x-portkey-config": JSON.stringify({ provider: "openai", api_key: "k", custom_host: `${tolerant.origin}/v1` }),
      },
      5_000,
    );

    // Assess
    expect(res.status).toBe(200);
    expect(res.text).toContain("data: [DONE]");
  });

  it("a stream request answered with a whole JSON body is a 502, not a hang", async () => {
    // Act (chat streams; on an endpoint without a streamed form, `stream: true` is not a stream: endpoint-table.test.ts)
    const res = await bench.post(
      "/v1/chat/completions",
      { ...CHAT, stream: true },
      { "x-portkey-config": JSON.stringify({ ...fakeTarget(bench), custom_host: `${jsonOnly.origin}/v1` }) },
      5_000,
    );

    // Assess
    expect(res.status).toBe(502);
    expect((res.body.error as Record<string, unknown>).code).toBe("empty_stream");
  });

  it("holds for 150 random requests (against an upstream that answers anything with a 200)", async () => {
    await fc.assert(
      fc.asyncProperty(path, optionalHeaders, body, fc.boolean(), async (p, headers, text, cache) => {
        const target = { provider: "openai", api_key: "k", custom_host: `${tolerant.origin}/v1` };
        const config = { ...target, ...(cache ? { cache: { mode: "simple" } } : {}) };
        const res = await bench.post(p, text, { ...headers, "x-portkey-config": JSON.stringify(config) }, 5_000);
        expect(res.status, `${p} ${JSON.stringify(headers)} ${text} -> ${res.text}`).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
  });
});
