import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Readable } from "node:stream";
import type { CoreHandler, CoreRequest, CoreResponse } from "../../shared/http/types";

/**
 * A `CoreRequest` as the Lambda and local adapters build it: the path may carry a query; a body that is not a
 * Buffer or a string is sent as JSON; no body is an empty one.
 */
export function coreRequest(
  method: string,
  pathWithQuery: string,
  headers: Record<string, string> = {},
  body?: unknown,
): CoreRequest {
  const url = new URL(pathWithQuery, "http://local");
  return {
    method,
    path: url.pathname,
    query: url.searchParams,
    headers,
    body:
      body === undefined
        ? Buffer.alloc(0)
        : Buffer.isBuffer(body)
          ? body
          : Buffer.from(typeof body === "string" ? body : JSON.stringify(body)),
    signal: new AbortController().signal,
  };
}

/** A core answer's body as text (a stream is read to its end). */
export async function bodyText(res: CoreResponse): Promise<string> {
  if (typeof res.body === "string") return res.body;
  if (Buffer.isBuffer(res.body)) return res.body.toString("utf8");
  const chunks: Buffer[] = [];
  for await (const chunk of res.body as Readable) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** Serves a core over loopback HTTP (a test-only adapter) so real SDK clients can talk to it. */
export async function serveCore(
  core: CoreHandler,
): Promise<{ baseURL: string; server: Server; close(): Promise<void> }> {
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (c: Buffer) => chunks.push(c));
    incoming.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(incoming.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
      }
      core(coreRequest(incoming.method ?? "GET", incoming.url ?? "/", headers, Buffer.concat(chunks))).then(
        async (res) => {
          outgoing.writeHead(res.status, res.headers);
          outgoing.end(await bodyText(res));
        },
        (err: unknown) => {
          outgoing.writeHead(500);
          outgoing.end(String(err));
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
