import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sleep } from "../fakes/fake-server";
import {
  type HostileUpstream,
  openAIChunk,
  STREAMING_PROVIDERS,
  type StreamingProvider,
  startHostileUpstream,
  trickle,
  untilClosed,
} from "../fakes/hostile-upstream";
import { type OpenAIFake, startOpenAIFake } from "../fakes/openai-fake";
import { startTestGateway, type TestGateway } from "../support/local-gateway";

/**
 * Streams, timeouts and waits: an attacker holding a completions key points the gateway at an upstream it
 * controls (a custom host) that splits events, never answers, stalls, or sends bytes that never form an event.
 * Every wait must end within the configured bound, with a 504 before the first byte and an SSE error event after.
 * The gateway runs with small bounds so each case takes well under a second.
 */
const REQUEST_TIMEOUT_MS = 600;
const STREAM_IDLE_MS = 400;
const MAX_EVENT_BYTES = 64 * 1024;
const CLIENT_LIMIT_MS = 5_000;

let gateway: TestGateway;
let hostile: HostileUpstream;
let healthy: OpenAIFake;

beforeAll(async () => {
  [gateway, hostile, healthy] = await Promise.all([
    startTestGateway({
      streamIdleTimeoutMs: STREAM_IDLE_MS,
      bounds: { requestTimeoutMs: REQUEST_TIMEOUT_MS, maxStreamEventBytes: MAX_EVENT_BYTES },
    }),
    startHostileUpstream(),
    startOpenAIFake({ apiKey: "sk-healthy", reply: () => "from the healthy target" }),
  ]);
});
afterAll(async () => {
  await Promise.all([gateway.stop(), hostile.close(), healthy.close()]);
});
beforeEach(() => {
  hostile.reset();
});

interface CallOptions {
  readonly provider?: StreamingProvider;
  readonly stream?: boolean;
  readonly headers?: Record<string, string>;
}

/** A chat completion through the gateway to the hostile upstream, bounded by the client's own limit. */
async function call(options: CallOptions = {}) {
  const provider = options.provider ?? (STREAMING_PROVIDERS[0] as StreamingProvider);
  const started = Date.now();
  const res = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-portkey-api-key": gateway.apiKey,
      "x-portkey-provider": provider.id,
      "x-portkey-custom-host": `${hostile.origin}/v1`,
      authorization: "Bearer sk-attacker",
      ...provider.headers,
      ...options.headers,
    },
    body: JSON.stringify({
      model: provider.model,
      messages: [{ role: "user", content: "hi" }],
      ...(options.stream === false ? {} : { stream: true }),
    }),
    signal: AbortSignal.timeout(CLIENT_LIMIT_MS),
  });
  const text = await res.text();
  return { status: res.status, text, ms: Date.now() - started, contentType: res.headers.get("content-type") };
}

function errorOf(text: string): { type: string; code: string; message: string } {
  return (JSON.parse(text) as { error: { type: string; code: string; message: string } }).error;
}

/** The `error` of the SSE error event a stream ended with, if any. */
function streamErrorOf(text: string): { type: string; code: string } | undefined {
  const last = text.trimEnd().split(/\n\n/).at(-1) ?? "";
  if (!last.startsWith('data: {"error"')) return undefined;
  return (JSON.parse(last.slice(6)) as { error: { type: string; code: string } }).error;
}

function sseHead(res: Parameters<HostileUpstream["script"]>[0]["res"], contentType = "text/event-stream"): void {
  res.writeHead(200, { "content-type": contentType });
  res.flushHeaders();
}

describe("a first event split across TCP writes", () => {
  it("reaches the client at once, and the stream completes (no wait for the stall timeout)", async () => {
    // Prepare: the first event arrives in two writes 100 ms apart, then the rest of the stream
    const first = `data: ${openAIChunk("split ")}\n\n`;
    hostile.script = async ({ res }) => {
      sseHead(res);
      res.write(first.slice(0, 25));
      await sleep(100);
      res.write(first.slice(25));
      res.end(`data: ${openAIChunk("event", "stop")}\n\ndata: [DONE]\n\n`);
    };

    // Act
    const res = await call();

    // Assess
    expect(res.status).toBe(200);
    expect(streamErrorOf(res.text)).toBeUndefined();
    expect(res.text).toBe(`${first}data: ${openAIChunk("event", "stop")}\n\ndata: [DONE]\n\n`);
    expect(res.ms).toBeLessThan(STREAM_IDLE_MS + 500);
  });

  it.each(STREAMING_PROVIDERS.map((p) => [p.id, p] as const))(
    "%s: a first event split byte by byte still streams",
    async (_id, provider) => {
      hostile.script = async ({ res }) => {
        sseHead(res, provider.contentType);
        for (let i = 0; i < provider.firstEvent.length; i += 7) {
          res.write(provider.firstEvent.subarray(i, i + 7));
          await sleep(1);
        }
        res.end();
      };

      const res = await call({ provider });

      // the upstream then ended without its terminal event: the client got the first event and a truncation error
      expect(res.status).toBe(200);
      expect(res.text).toContain("chat.completion.chunk");
      expect(streamErrorOf(res.text)?.code).toBe("stream_truncated");
    },
  );
});

describe("an upstream that never answers", () => {
  const silent = async ({ res }: Parameters<HostileUpstream["script"]>[0]) => {
    await untilClosed(res);
  };

  it.each([
    ["JSON", false],
    ["stream", true],
  ])("gets a 504 gateway_timeout by default (%s), not a wait without end", async (_kind, stream) => {
    hostile.script = silent;

    const res = await call({ stream });

    expect(res.status).toBe(504);
    expect(res.contentType).toContain("application/json");
    expect(errorOf(res.text)).toMatchObject({ type: "gateway_timeout", code: "upstream_timeout" });
    expect(errorOf(res.text).message).toContain(`${REQUEST_TIMEOUT_MS} ms`);
    await sleep(50);
    expect(hostile.hungUp).toBe(1);
  });

  it("gets the timeout of x-portkey-request-timeout when the request sets one", async () => {
    hostile.script = silent;

    const res = await call({ headers: { "x-portkey-request-timeout": "150" } });

    expect(res.status).toBe(504);
    expect(errorOf(res.text).message).toContain("150 ms");
  });

  it("gets the timeout of the config target's request_timeout when the config sets one", async () => {
    hostile.script = silent;
    const config = {
      provider: "openai",
      api_key: "sk-attacker",
      custom_host: `${hostile.origin}/v1`,
      request_timeout: 120,
    };

    const res = await call({ headers: { "x-portkey-config": JSON.stringify(config) } });

    expect(res.status).toBe(504);
    expect(errorOf(res.text).message).toContain("120 ms");
  });

  it("waits longer than the default when the request allows it (the default is a default, not a cap)", async () => {
    hostile.script = async ({ res }) => {
      await sleep(REQUEST_TIMEOUT_MS + 300);
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(`data: ${openAIChunk("late", "stop")}\n\ndata: [DONE]\n\n`);
    };

    const res = await call({ headers: { "x-portkey-request-timeout": String(REQUEST_TIMEOUT_MS * 3) } });

    expect(res.status).toBe(200);
    expect(streamErrorOf(res.text)).toBeUndefined();
  });

  it("gets 504 when the headers come but the first event never does", async () => {
    hostile.script = async ({ res }) => {
      sseHead(res);
      await untilClosed(res);
    };

    const res = await call();

    expect(res.status).toBe(504);
    expect(errorOf(res.text).code).toBe("upstream_timeout");
  });

  it("is failed over: the timeout counts as 504 for the fallback and the healthy target answers", async () => {
    hostile.script = silent;
    const config = {
      strategy: { mode: "fallback", on_status_codes: [504] },
      targets: [
        { provider: "openai", api_key: "sk-attacker", custom_host: `${hostile.origin}/v1` },
        { provider: "openai", api_key: "sk-healthy", custom_host: healthy.baseUrl },
      ],
    };

    const res = await call({ stream: false, headers: { "x-portkey-config": JSON.stringify(config) } });

    expect(res.status).toBe(200);
    expect(res.text).toContain("from the healthy target");
  });
});

describe.each(STREAMING_PROVIDERS.map((p) => [p.id, p] as const))("%s: bytes that never form an event", (_id, p) => {
  it("before the first event, a slow trickle gets a 504 (the request timeout bounds the first byte)", async () => {
    hostile.script = async ({ res }) => {
      sseHead(res, p.contentType);
      await trickle(res, "garbage ", 20);
    };

    const res = await call({ provider: p });

    expect(res.status).toBe(504);
    expect(errorOf(res.text).code).toBe("upstream_timeout");
  });

  it("before the first event, a flood gets a 502 once the event cap is passed", async () => {
    hostile.script = async ({ res }) => {
      sseHead(res, p.contentType);
      await trickle(res, "x".repeat(16 * 1024), 1);
    };

    const res = await call({ provider: p });

    expect(res.status).toBe(502);
    expect(errorOf(res.text).code).toBe("upstream_event_too_large");
    expect(res.ms).toBeLessThan(REQUEST_TIMEOUT_MS);
  });

  it("after the first event, a slow trickle ends the stream with stream_stalled (bytes are not progress)", async () => {
    hostile.script = async ({ res }) => {
      sseHead(res, p.contentType);
      res.write(p.firstEvent);
      await trickle(res, "garbage ", 20);
    };

    const res = await call({ provider: p });

    expect(res.status).toBe(200);
    expect(res.text).toContain("chat.completion.chunk");
    expect(streamErrorOf(res.text)?.code).toBe("stream_stalled");
  });

  it("after the first event, a flood ends the stream with stream_event_too_large", async () => {
    hostile.script = async ({ res }) => {
      sseHead(res, p.contentType);
      res.write(p.firstEvent);
      await trickle(res, "x".repeat(16 * 1024), 1);
    };

    const res = await call({ provider: p });

    expect(res.status).toBe(200);
    expect(streamErrorOf(res.text)?.code).toBe("stream_event_too_large");
    await sleep(50);
    expect(hostile.hungUp).toBe(1);
  });
});

describe("a stream cut after [DONE] appeared in its text", () => {
  it.each([
    ["the answer", "data: [DONE]"],
    ["the answer with blank lines", "\n\ndata: [DONE]\n\n"],
  ])("is reported as truncated when %s says data: [DONE]", async (_name, content) => {
    hostile.script = async ({ res }) => {
      sseHead(res);
      res.write(`data: ${openAIChunk("Repeat after me: ")}\n\n`);
      res.end(`data: ${openAIChunk(content)}\n\n`);
    };

    const res = await call();

    expect(res.status).toBe(200);
    expect(streamErrorOf(res.text)?.code).toBe("stream_truncated");
  });
});
