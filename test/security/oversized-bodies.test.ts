import { request as httpRequest, type IncomingMessage } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sleep } from "../fakes/fake-server";
import { type HostileUpstream, startHostileUpstream, trickle, untilClosed } from "../fakes/hostile-upstream";
import { startTestGateway, type TestGateway } from "../support/local-gateway";

/**
 * Bodies without a cap: an attacker uploads more than the gateway accepts, uploads without a key, uploads slowly,
 * or points the gateway at an upstream that answers with more than it should hold. Every body read into memory
 * has a cap and every upload a time limit; the answer is an OpenAI-style 4xx/5xx, never a reset or an OOM.
 * Small limits keep each case fast.
 */
const MAX_REQUEST_BYTES = 64 * 1024;
const BODY_TIMEOUT_MS = 500;
const MAX_UPSTREAM_BYTES = 1024 * 1024;

let gateway: TestGateway;
let hostile: HostileUpstream;

beforeAll(async () => {
  [gateway, hostile] = await Promise.all([
    startTestGateway({
      maxRequestBodyBytes: MAX_REQUEST_BYTES,
      requestBodyTimeoutMs: BODY_TIMEOUT_MS,
      bounds: { maxUpstreamBodyBytes: MAX_UPSTREAM_BYTES },
    }),
    startHostileUpstream(),
  ]);
});
afterAll(async () => {
  await Promise.all([gateway.stop(), hostile.close()]);
});
beforeEach(() => {
  hostile.reset();
});

interface RawAnswer {
  readonly status: number;
  readonly error: { type: string; code: string; message: string };
  /** Bytes of the body the client had written when the answer arrived. */
  readonly sentBytes: number;
}

/**
 * A chat-completions upload over a raw connection: `write` sends the body (and may never finish it); resolves
 * with the answer as soon as it arrives, whether or not the body was finished.
 */
function upload(
  headers: Record<string, string>,
  write: (send: (chunk: Buffer) => boolean, answered: () => boolean) => Promise<void>,
): Promise<RawAnswer> {
  const url = new URL(`${gateway.url}/v1/chat/completions`);
  return new Promise((resolve, reject) => {
    let sentBytes = 0;
    let answered = false;
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname, method: "POST", agent: false, headers },
      (res: IncomingMessage) => {
        answered = true;
        const at = sentBytes;
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.once("end", () => {
          req.destroy();
          const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { error: RawAnswer["error"] };
          resolve({ status: res.statusCode ?? 0, error: body.error, sentBytes: at });
        });
      },
    );
    req.once("error", reject);
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error("no answer within 5 s"));
    }, 5_000);
    req.once("close", () => clearTimeout(timer));
    const send = (chunk: Buffer): boolean => {
      if (answered || req.destroyed) return false;
      sentBytes += chunk.length;
      req.write(chunk);
      return true;
    };
    void write(send, () => answered).catch(() => undefined);
  });
}

const withKey = () => ({ "content-type": "application/json", "x-portkey-api-key": gateway.apiKey });

/** Sends `chunk` every few ms until the gateway answers (or `maxBytes` went out). */
async function keepSending(send: (chunk: Buffer) => boolean, maxBytes: number): Promise<void> {
  const chunk = Buffer.alloc(16 * 1024, "a");
  for (let sent = 0; sent < maxBytes; sent += chunk.length) {
    if (!send(chunk)) return;
    await sleep(2);
  }
}

describe("request bodies", () => {
  it("refuses a body declared larger than the limit with 413 request_too_large, before reading it", async () => {
    const res = await upload({ ...withKey(), "content-length": String(MAX_REQUEST_BYTES * 16) }, async (send) => {
      await keepSending(send, MAX_REQUEST_BYTES * 16);
    });

    expect(res.status).toBe(413);
    expect(res.error).toMatchObject({ type: "invalid_request_error", code: "request_too_large" });
    expect(res.sentBytes).toBeLessThan(MAX_REQUEST_BYTES * 16);
  });

  it("answers a chunked upload that passes the limit with 413, not a reset", async () => {
    const res = await upload({ ...withKey(), "transfer-encoding": "chunked" }, async (send) => {
      await keepSending(send, MAX_REQUEST_BYTES * 64);
    });

    expect(res.status).toBe(413);
    expect(res.error.code).toBe("request_too_large");
  });

  it.each([
    ["without a key", {}],
    ["with a wrong key", { "x-portkey-api-key": "pk-gw-not-a-real-key" }],
  ])("refuses an upload %s on its headers, without waiting for (or buffering) the body", async (_name, key) => {
    const headers = { "content-type": "application/json", "content-length": String(MAX_REQUEST_BYTES), ...key };

    // the body is never finished: only 1 KiB of the declared 64 KiB is sent
    const res = await upload(headers, async (send) => {
      send(Buffer.alloc(1024, "a"));
    });

    expect(res.status).toBe(401);
    expect(res.error.type).toBe("authentication_error");
    expect(res.sentBytes).toBe(1024);
  });

  it("times out an upload that is never finished with 408 request_body_timeout", async () => {
    const started = Date.now();

    const res = await upload({ ...withKey(), "content-length": "1000" }, async (send) => {
      send(Buffer.from('{"model":'));
    });

    expect(res.status).toBe(408);
    expect(res.error).toMatchObject({ type: "invalid_request_error", code: "request_body_timeout" });
    expect(Date.now() - started).toBeLessThan(BODY_TIMEOUT_MS + 1_000);
  });

  it("times out an upload that trickles a byte at a time (a slow upload cannot hold the connection)", async () => {
    const res = await upload({ ...withKey(), "transfer-encoding": "chunked" }, async (send) => {
      while (send(Buffer.from(" "))) await sleep(50);
    });

    expect(res.status).toBe(408);
  });
});

describe("upstream answers", () => {
  async function chat(): Promise<{ status: number; error: RawAnswer["error"] }> {
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        ...withKey(),
        "x-portkey-provider": "openai",
        "x-portkey-custom-host": `${hostile.origin}/v1`,
        authorization: "Bearer sk-attacker",
      },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
      signal: AbortSignal.timeout(5_000),
    });
    const body = (await res.json()) as { error: RawAnswer["error"] };
    return { status: res.status, error: body.error };
  }

  it("refuses an answer larger than the cap with 502 upstream_response_too_large, and stops reading it", async () => {
    // Prepare: a never-ending JSON answer
    hostile.script = async ({ res }) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"id":"x","choices":[{"message":{"content":"');
      await trickle(res, "a".repeat(64 * 1024), 1);
    };

    // Act
    const res = await chat();

    // Assess
    expect(res.status).toBe(502);
    expect(res.error).toMatchObject({ type: "gateway_upstream_error", code: "upstream_response_too_large" });
    await sleep(50);
    expect(hostile.hungUp).toBe(1);
  });

  it("refuses an answer whose content-length is above the cap at once", async () => {
    hostile.script = async ({ res }) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": String(128 * 1024 * 1024) });
      res.write("{");
      await untilClosed(res);
    };

    const res = await chat();

    expect(res.status).toBe(502);
    expect(res.error.code).toBe("upstream_response_too_large");
  });

  it("refuses an error answer larger than the cap the same way", async () => {
    hostile.script = async ({ res }) => {
      res.writeHead(500, { "content-type": "application/json" });
      await trickle(res, "e".repeat(64 * 1024), 1);
    };

    const res = await chat();

    expect(res.status).toBe(502);
    expect(res.error.code).toBe("upstream_response_too_large");
  });
});
