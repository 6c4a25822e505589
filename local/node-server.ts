import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { PayloadTooLargeError, RequestBodyTimeoutError, renderError } from "../shared/core/errors";
import { errorApiOfPath } from "../shared/gateway/endpoints";
import { AbortSource } from "../shared/http/abort-source";
import { type CoreHandler, type CoreRequest, type CoreResponse, isDirectBody } from "../shared/http/types";

export interface NodeServerOptions {
  readonly host: string;
  readonly port: number;
  /** Picks the core for a path (the three functions share one port locally). */
  readonly route: (path: string) => CoreHandler;
  /** Largest request body accepted (413 `request_too_large` beyond). Default 32 MiB. */
  readonly maxBodyBytes?: number;
  /** Milliseconds a client has to send its whole request body (408 `request_body_timeout` beyond). Default 60 s. */
  readonly bodyTimeoutMs?: number;
  /**
   * Checks a request that has a body on its headers alone, before any of the body is read (e.g. that it carries a
   * valid key); throws a GatewayError to refuse it unread.
   */
  readonly admitBody?: (headers: Readonly<Record<string, string>>) => Promise<unknown>;
}

export interface RunningServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
export const DEFAULT_BODY_TIMEOUT_MS = 60_000;

/** Reads the whole body, refusing it once it exceeds `limit` or is not complete within `timeoutMs`. */
function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > limit) {
      reject(new PayloadTooLargeError(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => fail(new RequestBodyTimeoutError(timeoutMs)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) fail(new PayloadTooLargeError(limit));
      else chunks.push(chunk);
    };
    const onEnd = (): void => {
      done();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    };
    function done(): void {
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", fail);
    }
    function fail(err: unknown): void {
      done();
      reject(err);
    }
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("error", fail);
  });
}

/**
 * After refusing a request whose body was not read to its end: the rest is read and dropped (so the client, still
 * sending, can read the answer instead of a reset), for at most `timeoutMs`; then the connection is closed.
 */
function discardRest(req: IncomingMessage, timeoutMs: number): void {
  if (req.complete) return;
  const timer = setTimeout(() => req.socket.destroy(), timeoutMs);
  timer.unref();
  req.once("end", () => clearTimeout(timer));
  req.once("close", () => clearTimeout(timer));
  req.resume();
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  return (length !== undefined && length !== "0") || req.headers["transfer-encoding"] !== undefined;
}

function toHeaders(raw: IncomingMessage["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in raw) {
    const v = raw[name];
    if (v !== undefined) out[name] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

/**
 * A stream body piped to the client with what `stream.pipeline` would do here, minus its per-call AbortController
 * and the DOMException its end builds (a measurable share of a stream's CPU): the client leaving destroys the body
 * (which aborts the upstream call), a failing body destroys the response. Resolves once the response closed. A
 * body that can write itself into the response (`DirectBody`, the gateway's streams) does, without a pipe.
 */
function pipeBody(body: Readable, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed) {
      body.destroy(); // the client left while the answer was being prepared: no "close" is coming
      resolve();
      return;
    }
    function onClose(): void {
      if (!res.writableFinished) body.destroy(); // client went away
      resolve();
    }
    function onError(): void {
      res.destroy(); // cut, never a silently short body
    }
    res.once("close", onClose);
    body.on("error", onError);
    if (isDirectBody(body)) body.writeTo(res);
    else body.pipe(res);
  });
}

function send(res: ServerResponse, response: CoreResponse): Promise<void> | undefined {
  res.writeHead(response.status, response.headers);
  const { body } = response;
  // No separate flush of the headers: a stream body already holds its first event, which goes out with them.
  if (body instanceof Readable) return pipeBody(body, res);
  res.end(body);
  return undefined;
}

/** The local runtime's HTTP adapter: IncomingMessage -> CoreRequest -> core -> ServerResponse. */
export function startNodeServer(options: NodeServerOptions): Promise<RunningServer> {
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const bodyTimeoutMs = options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  const { admitBody } = options;
  const server = createServer({ keepAliveTimeout: 65_000, noDelay: true }, (req, res) => {
    const clientGone = new AbortSource(); // no AbortSignal built per request (see AbortSource)
    res.once("close", () => {
      if (!res.writableFinished) clientGone.abort(new Error("client disconnected"));
    });
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    const headers = toHeaders(req.headers);
    // an upload is checked on its headers before a byte of it is buffered
    const admitted = admitBody && hasBody(req) ? admitBody(headers) : Promise.resolve();
    admitted
      .then(() => readBody(req, maxBody, bodyTimeoutMs))
      .then((body) => {
        const coreReq: CoreRequest = {
          method: (req.method ?? "GET").toUpperCase(),
          path,
          query: new URLSearchParams(q === -1 ? "" : url.slice(q + 1)),
          headers,
          body,
          signal: clientGone,
          sourceIp: req.socket.remoteAddress,
        };
        return options.route(path)(coreReq);
      })
      .catch((err: unknown) => {
        const rendered = renderError(err, errorApiOfPath(path));
        if (!req.complete) {
          // Refused before its body was read: the rest is read and dropped while the client reads the answer. The
          // connection stays open for that (closing it on unread bytes would reset it, answer and all).
          res.shouldKeepAlive = true;
          discardRest(req, bodyTimeoutMs);
        }
        return { status: rendered.status, headers: rendered.headers, body: rendered.body } satisfies CoreResponse;
      })
      .then((response) => send(res, response))
      .catch(() => res.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      const address = server.address() as AddressInfo;
      const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
      resolve({
        url: `http://${host}:${address.port}`,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
