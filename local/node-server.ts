import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { PayloadTooLargeError, renderError } from "../shared/core/errors";
import type { CoreHandler, CoreRequest, CoreResponse } from "../shared/http/types";

export interface NodeServerOptions {
  readonly host: string;
  readonly port: number;
  /** Picks the core for a path (the three functions share one port locally). */
  readonly route: (path: string) => CoreHandler;
  readonly maxBodyBytes?: number;
}

export interface RunningServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY = 32 * 1024 * 1024;

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > limit) {
      reject(new PayloadTooLargeError(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new PayloadTooLargeError(limit));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.once("end", () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    req.once("error", reject);
  });
}

function toHeaders(raw: IncomingMessage["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in raw) {
    const v = raw[name];
    if (v !== undefined) out[name] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

async function send(res: ServerResponse, response: CoreResponse): Promise<void> {
  res.writeHead(response.status, response.headers);
  const { body } = response;
  if (body instanceof Readable) {
    // No separate flush of the headers: a stream body already holds its first event, which goes out with them.
    try {
      await pipeline(body, res);
    } catch {
      // client went away: pipeline destroyed the body, which aborts the upstream call
    }
    return;
  }
  res.end(body);
}

/** The local runtime's HTTP adapter: IncomingMessage -> CoreRequest -> core -> ServerResponse. */
export function startNodeServer(options: NodeServerOptions): Promise<RunningServer> {
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const server = createServer({ keepAliveTimeout: 65_000, noDelay: true }, (req, res) => {
    const controller = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) controller.abort(new Error("client disconnected"));
    });
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    readBody(req, maxBody)
      .then((body) => {
        const coreReq: CoreRequest = {
          method: (req.method ?? "GET").toUpperCase(),
          path,
          query: new URLSearchParams(q === -1 ? "" : url.slice(q + 1)),
          headers: toHeaders(req.headers),
          body,
          signal: controller.signal,
          sourceIp: req.socket.remoteAddress,
        };
        return options.route(path)(coreReq);
      })
      .catch((err: unknown) => {
        const rendered = renderError(err);
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
