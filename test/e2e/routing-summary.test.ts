import { Readable } from "node:stream";
import { beforeEach, describe, expect, it } from "vitest";
import { createGatewayCore } from "../../shared/gateway/core";
import { createHostGuard } from "../../shared/http/host-guard";
import type { CoreHandler, CoreResponse } from "../../shared/http/types";
import { createUndiciTransport, type UpstreamTransport } from "../../shared/http/upstream";
import type { RequestSummary } from "../../shared/logging/request-summary";
import { defaultProviderRegistry } from "../../shared/providers/registry";
import { type OpenAIFake, startOpenAIFake } from "../fakes/openai-fake";
import { coreRequest } from "../support/core-http";
import { useStarted } from "../support/started";

/** The core in-process: exactly one RequestSummary per client request, listing every attempt. */
let a: OpenAIFake;
let b: OpenAIFake;
let transport: UpstreamTransport;
let core: CoreHandler;
const summaries: RequestSummary[] = [];

function config(extra: Record<string, unknown> = {}) {
  return {
    strategy: { mode: "fallback" },
    targets: [
      { provider: "openai", api_key: "ka", custom_host: a.baseUrl },
      { provider: "openai", api_key: "kb", custom_host: b.baseUrl },
    ],
    ...extra,
  };
}

function call(cfg: unknown, options: { stream?: boolean; signal?: AbortSignal } = {}): Promise<CoreResponse> {
  const headers = { "content-type": "application/json", "x-portkey-config": JSON.stringify(cfg) };
  const body = { model: "m", messages: [{ role: "user", content: "hi there" }], stream: options.stream };
  const req = coreRequest("POST", "/v1/chat/completions", headers, body);
  return core(options.signal ? { ...req, signal: options.signal } : req);
}

async function drain(body: CoreResponse["body"]): Promise<string> {
  if (!(body instanceof Readable)) return body.toString();
  let text = "";
  for await (const chunk of body) text += String(chunk);
  return text;
}

async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 30));
}

useStarted(async () => {
  a = await startOpenAIFake({ chunkDelayMs: 2 });
  b = await startOpenAIFake({ chunkDelayMs: 2 });
  const hostGuard = createHostGuard("loopback");
  transport = createUndiciTransport({ guard: hostGuard });
  core = createGatewayCore({
    providers: defaultProviderRegistry(),
    transport,
    hostGuard,
    streamIdleTimeoutMs: 2000,
    observer: { finish: (s) => summaries.push(s) },
    routing: { timing: { baseDelayMs: 1, maxDelayMs: 5, maxTotalWaitMs: 2000 } },
  });
  return [a, b, transport];
});
beforeEach(() => {
  a.reset();
  b.reset();
  summaries.length = 0;
});

describe("request summaries under routing", () => {
  it("records every attempt (retries and fallback) in one summary", async () => {
    // Prepare
    a.setAlwaysFault({ kind: "status", status: 503 });

    // Act
    const res = await call(config({ retry: { attempts: 1 } }));
    await drain(res.body);
    await settle(); // summaries are built after the response has been written

    // Assess
    expect(res.status).toBe(200);
    expect(summaries).toHaveLength(1);
    expect(summaries[0]?.status).toBe(200);
    expect(summaries[0]?.attempts.map((x) => [x.provider, x.status])).toEqual([
      ["openai", 503],
      ["openai", 503],
      ["openai", 200],
    ]);
    expect(summaries[0]?.attempts.every((x) => x.latencyMs >= 0)).toBe(true);
  });

  it("writes one summary when a failed-over stream ends, with usage", async () => {
    a.enqueueFaults({ kind: "drop-stream", afterEvents: 0 });
    const res = await call(config(), { stream: true });
    expect(summaries).toHaveLength(0);
    const text = await drain(res.body);
    await settle();
    expect(text).toContain("data: [DONE]");
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({ status: 200, stream: true });
    expect(summaries[0]?.attempts.map((x) => x.status)).toEqual([502, 200]);
  });

  it("writes one 502 summary when a stream breaks after its first byte", async () => {
    a.enqueueFaults({ kind: "drop-stream", afterEvents: 2 });
    const res = await call(config(), { stream: true });
    const text = await drain(res.body);
    await settle();
    expect(text).toContain("stream_interrupted");
    expect(summaries).toHaveLength(1);
    expect(summaries[0]?.status).toBe(502);
    expect(summaries[0]?.error?.error.code).toBe("stream_interrupted");
  });

  it("writes one client-abort summary and makes no further attempt when the client leaves", async () => {
    a.setAlwaysFault({ kind: "status", status: 429, headers: { "retry-after": "1" } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("client disconnected")), 100);
    const res = await call(config({ retry: { attempts: 3 } }), { signal: controller.signal });
    await settle();
    expect(a.requests).toHaveLength(1);
    expect(b.requests).toHaveLength(0);
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({ status: 499, clientAborted: true });
    expect(res.status).toBeGreaterThanOrEqual(400);
  });
});
