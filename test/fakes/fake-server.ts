import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * The shared machinery of fake upstream providers: a loopback HTTP server that records every request and can be
 * told to misbehave (fault injection). Each provider fake supplies only its wire format.
 */
export type Fault =
  | { kind: "status"; status: number; body?: string; headers?: Record<string, string> }
  /** Close the connection before any response byte. */
  | { kind: "reset" }
  /** Wait before the first response byte. */
  | { kind: "slow"; delayMs: number }
  /** Send a 200 JSON body cut in the middle (the response ends cleanly: only the JSON is broken). */
  | { kind: "truncate" }
  /** Send the status line, headers and half the body, then destroy the socket (reset mid-body). */
  | { kind: "reset-body" }
  /** Streams: destroy the socket after N events. */
  | { kind: "drop-stream"; afterEvents: number }
  /** Streams: stop sending (but keep the socket open) after N events. */
  | { kind: "stall"; afterEvents: number };

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  json<T = Record<string, unknown>>(): T;
}

export interface FakeContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly recorded: RecordedRequest;
  /** The fault for this request (already applied for reset/slow/status), for stream-level faults. */
  readonly fault: Fault | undefined;
}

export type FakeHandler = (ctx: FakeContext) => Promise<void> | void;

export interface FakeServer {
  /** Origin, e.g. `http://127.0.0.1:34567`. */
  readonly origin: string;
  readonly requests: RecordedRequest[];
  /** How many responses were cut off by the client (the gateway) before they finished. */
  readonly abortedResponses: number;
  /** Faults consumed one per request, in order; when empty, `alwaysFault` (if set) applies. */
  enqueueFaults(...faults: Fault[]): void;
  setAlwaysFault(fault: Fault | undefined): void;
  reset(): void;
  close(): Promise<void>;
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function startFakeServer(handler: FakeHandler): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const queue: Fault[] = [];
  let always: Fault | undefined;
  const sockets = new Set<Socket>();
  let aborted = 0;

  const server: Server = createServer((req, res) => {
    res.once("close", () => {
      if (!res.writableFinished) aborted += 1;
    });
    void (async () => {
      const body = await readAll(req);
      const recorded: RecordedRequest = {
        method: req.method ?? "GET",
        path: req.url ?? "/",
        headers: req.headers,
        body,
        json: <T>() => JSON.parse(body.toString("utf8")) as T,
      };
      requests.push(recorded);
      const fault = queue.shift() ?? always;
      if (fault?.kind === "reset") {
        req.socket.destroy();
        return;
      }
      if (fault?.kind === "slow") await sleep(fault.delayMs);
      if (fault?.kind === "status") {
        res.writeHead(fault.status, { "content-type": "application/json", ...fault.headers });
        res.end(fault.body ?? defaultErrorBody(fault.status));
        return;
      }
      await handler({ req, res, recorded, fault });
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`fake server error: ${(err as Error).message}`);
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    get abortedResponses() {
      return aborted;
    },
    enqueueFaults: (...faults) => queue.push(...faults),
    setAlwaysFault: (fault) => {
      always = fault;
    },
    reset: () => {
      requests.length = 0;
      queue.length = 0;
      aborted = 0;
      always = undefined;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** OpenAI's error shape for the common statuses, as its API returns them. */
export function defaultErrorBody(status: number): string {
  const [type, code, message] =
    status === 401
      ? ["invalid_request_error", "invalid_api_key", "Incorrect API key provided."]
      : status === 429
        ? ["requests", "rate_limit_exceeded", "Rate limit reached for requests."]
        : status === 400
          ? ["invalid_request_error", null, "Bad request."]
          : ["server_error", null, "The server had an error while processing your request. Sorry about that!"];
  return JSON.stringify({ error: { message, type, param: null, code } });
}

/** A loopback URL nobody listens on (connect refused): bind a port, then release it. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}/v1`;
}

/**
 * Writes a stream's frames (SSE events or binary event-stream messages) honouring the stream faults:
 * `drop-stream` destroys the socket after N frames, `stall` stops sending after N frames but keeps it open.
 * `last` (e.g. OpenAI's `data: [DONE]`) ends a stream that ran its course. The caller has written the status line
 * and headers.
 */
export async function writeFrames(
  res: import("node:http").ServerResponse,
  frames: readonly (string | Buffer)[],
  fault: Fault | undefined,
  delayMs = 0,
  last?: string,
): Promise<void> {
  for (let i = 0; i < frames.length; i++) {
    if (fault?.kind === "drop-stream" && i === fault.afterEvents) {
      res.socket?.destroy();
      return;
    }
    if (fault?.kind === "stall" && i === fault.afterEvents) {
      await new Promise<void>((r) => res.once("close", () => r()));
      return;
    }
    res.write(frames[i]);
    if (delayMs) await sleep(delayMs);
  }
  res.end(last);
}
