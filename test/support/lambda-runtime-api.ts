import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";

/**
 * A small Lambda Runtime API (version 2018-06-01) on loopback, playing the Lambda service for one runtime process
 * (AWS_LAMBDA_RUNTIME_API=<address>): it hands out one event per `GET /runtime/invocation/next`, and records what
 * the runtime posts back to `/response` (buffered or streamed: `Lambda-Runtime-Function-Response-Mode: streaming`,
 * chunked, errors in the `Lambda-Runtime-Function-Error-Type/-Body` trailers), `/error` and `/init/error`.
 * Times are `performance.now()` of this process, so they compare with any other clock read here.
 */
const API = "/2018-06-01/runtime";
const FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:gateway";

export interface ReceivedChunk {
  /** When the chunk arrived. */
  readonly at: number;
  /** Its offset in the whole response body. */
  readonly offset: number;
  readonly bytes: Buffer;
}

export interface Invocation {
  readonly requestId: string;
  /** When the runtime received the event (the `/next` answer was sent). */
  readonly startedAt: number;
  /** When the runtime finished posting: the response body's end, or the error. */
  readonly completedAt: number;
  /** "response" (a result, streamed or not) or "error" (`/error`, or an error trailer on a streamed response). */
  readonly outcome: "response" | "error";
  /** Request headers of the runtime's post (lower-cased). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Trailers of a streamed response (lower-cased; empty when none). */
  readonly trailers: Readonly<Record<string, string | undefined>>;
  /** The body as it arrived, chunk by chunk. */
  readonly chunks: readonly ReceivedChunk[];
  readonly body: Buffer;
}

export interface RuntimeApiEmulator {
  /** `host:port`, the value of AWS_LAMBDA_RUNTIME_API. */
  readonly address: string;
  /** When the runtime asked for each event, in order (the first one ends its init). */
  readonly nextRequests: readonly number[];
  /** Resolves with the time of the runtime's first `/next`; rejects on `/init/error` or `fail`. */
  readonly initialized: Promise<number>;
  /** Hands `event` to the runtime and resolves when it has posted the outcome; rejects on `fail`. */
  invoke(event: unknown, options?: { deadlineMs?: number }): Promise<Invocation>;
  /** Resolves when the runtime has asked for its `count`-th event (1-based). */
  nextRequested(count: number): Promise<number>;
  /** Rejects everything pending, e.g. when the runtime process exits. */
  fail(reason: Error): void;
  close(): Promise<void>;
}

interface Pending {
  readonly requestId: string;
  readonly event: unknown;
  readonly deadlineMs: number;
  readonly resolve: (invocation: Invocation) => void;
  readonly reject: (reason: Error) => void;
  startedAt?: number;
}

export async function startRuntimeApi(): Promise<RuntimeApiEmulator> {
  const queue: Pending[] = [];
  const inFlight = new Map<string, Pending>();
  const nextRequests: number[] = [];
  const nextWaiters: { count: number; resolve: (at: number) => void }[] = [];
  let parkedNext: ServerResponse | undefined;
  let failure: Error | undefined;
  let markInitialized: (at: number) => void = () => undefined;
  let failInit: (reason: Error) => void = () => undefined;
  const initialized = new Promise<number>((resolve, reject) => {
    markInitialized = resolve;
    failInit = reject;
  });
  initialized.catch(() => undefined);

  function serveNext(res: ServerResponse): void {
    const pending = queue.shift();
    if (pending === undefined) {
      parkedNext = res;
      return;
    }
    pending.startedAt = performance.now();
    inFlight.set(pending.requestId, pending);
    res.writeHead(200, {
      "content-type": "application/json",
      "lambda-runtime-aws-request-id": pending.requestId,
      "lambda-runtime-deadline-ms": String(Date.now() + pending.deadlineMs),
      "lambda-runtime-invoked-function-arn": FUNCTION_ARN,
      "lambda-runtime-trace-id": `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replace(/-/g, "").slice(0, 24)};Parent=0123456789abcdef;Sampled=0`,
    });
    res.end(JSON.stringify(pending.event));
  }

  function onNext(res: ServerResponse): void {
    const at = performance.now();
    nextRequests.push(at);
    if (nextRequests.length === 1) markInitialized(at);
    for (const waiter of nextWaiters.filter((w) => w.count <= nextRequests.length)) {
      nextWaiters.splice(nextWaiters.indexOf(waiter), 1);
      waiter.resolve(nextRequests[waiter.count - 1] as number);
    }
    serveNext(res);
  }

  function onPost(req: IncomingMessage, res: ServerResponse, requestId: string, kind: "response" | "error"): void {
    const pending = inFlight.get(requestId);
    if (pending === undefined) {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ errorMessage: `unknown request id ${requestId}`, errorType: "InvalidRequestID" }));
      return;
    }
    const chunks: ReceivedChunk[] = [];
    let offset = 0;
    req.on("data", (bytes: Buffer) => {
      chunks.push({ at: performance.now(), offset, bytes });
      offset += bytes.length;
    });
    req.once("end", () => {
      const completedAt = performance.now();
      inFlight.delete(requestId);
      res.writeHead(202, { "content-type": "application/json" });
      res.end(JSON.stringify({ status: "OK" }));
      const trailers = req.trailers as Record<string, string | undefined>;
      pending.resolve({
        requestId,
        startedAt: pending.startedAt ?? completedAt,
        completedAt,
        outcome:
          kind === "error" || trailers["lambda-runtime-function-error-type"] !== undefined ? "error" : "response",
        headers: req.headers,
        trailers,
        chunks,
        body: Buffer.concat(chunks.map((c) => c.bytes)),
      });
    });
  }

  function onInitError(req: IncomingMessage, res: ServerResponse): void {
    const parts: Buffer[] = [];
    req.on("data", (b: Buffer) => parts.push(b));
    req.once("end", () => {
      res.writeHead(202, { "content-type": "application/json" });
      res.end(JSON.stringify({ status: "OK" }));
      fail(new Error(`the runtime reported an init error: ${Buffer.concat(parts).toString("utf8").slice(0, 2000)}`));
    });
  }

  function fail(reason: Error): void {
    failure ??= reason;
    failInit(reason);
    for (const pending of [...queue.splice(0), ...inFlight.values()]) pending.reject(reason);
    inFlight.clear();
  }

  const server: Server = createServer((req, res) => {
    const path = req.url ?? "";
    const invocation = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(path);
    if (req.method === "GET" && path === `${API}/invocation/next`) return onNext(res);
    if (req.method === "POST" && invocation) {
      return onPost(req, res, decodeURIComponent(invocation[1] as string), invocation[2] as "response" | "error");
    }
    if (req.method === "POST" && path === `${API}/init/error`) return onInitError(req, res);
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ errorMessage: `no route ${req.method} ${path}`, errorType: "InvalidRoute" }));
  });
  // The runtime long-polls /next: no server timeouts.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    address: `127.0.0.1:${port}`,
    nextRequests,
    initialized,
    invoke(event, options = {}) {
      if (failure) return Promise.reject(failure);
      return new Promise<Invocation>((resolve, reject) => {
        queue.push({ requestId: randomUUID(), event, deadlineMs: options.deadlineMs ?? 30_000, resolve, reject });
        const parked = parkedNext;
        if (parked !== undefined) {
          parkedNext = undefined;
          serveNext(parked);
        }
      });
    },
    nextRequested(count) {
      const at = nextRequests[count - 1];
      if (at !== undefined) return Promise.resolve(at);
      if (failure) return Promise.reject(failure);
      return new Promise((resolve) => nextWaiters.push({ count, resolve }));
    },
    fail,
    close: () =>
      new Promise<void>((resolve) => {
        parkedNext?.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** API Gateway's view of a streamed HTTP integration response: prelude, the 8 NUL bytes, then the body. */
export interface HttpIntegrationResponse {
  readonly contentType: string | undefined;
  readonly prelude: { statusCode?: number; headers?: Record<string, string>; cookies?: string[] };
  /** The 8 bytes after the prelude (all zero when well formed). */
  readonly separator: Buffer;
  /** Offset of the body in the whole stream. */
  readonly bodyOffset: number;
  readonly body: Buffer;
}

/**
 * Splits a streamed response as API Gateway does: a JSON prelude (status, headers, cookies), 8 NUL bytes, the
 * body. The prelude ends where its JSON object closes (it is one JSON object; strings cannot hold raw NULs).
 */
export function parseHttpIntegrationResponse(invocation: Invocation): HttpIntegrationResponse {
  const contentType = invocation.headers["content-type"] as string | undefined;
  const nul = invocation.body.indexOf(0);
  if (nul < 0) throw new Error(`no NUL separator in the response: ${invocation.body.toString("utf8").slice(0, 300)}`);
  const prelude = JSON.parse(invocation.body.subarray(0, nul).toString("utf8")) as HttpIntegrationResponse["prelude"];
  return {
    contentType,
    prelude,
    separator: invocation.body.subarray(nul, nul + 8),
    bodyOffset: nul + 8,
    body: invocation.body.subarray(nul + 8),
  };
}

/** When the byte at `offset` of the response reached the emulator. */
export function arrivalOf(invocation: Invocation, offset: number): number {
  const chunk = invocation.chunks.find((c) => offset >= c.offset && offset < c.offset + c.bytes.length);
  if (chunk === undefined) throw new Error(`offset ${offset} is past the response (${invocation.body.length} bytes)`);
  return chunk.at;
}
