import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { createLocalControlPlane, type LocalControlPlane } from "../../shared/aws/local-control-plane";
import type { CoreHandler, CoreRequest, CoreResponse } from "../../shared/http/types";
import { type LocalDynamo, startLocalDynamo } from "../../shared/store/local-dynamo";

export const ROOT_KEY = "pk-root-integration-test-root-key-000000000000";

/** A local control plane on in-memory dynalite with a temp data dir, plus helpers to call its admin core. */
export interface ControlHarness {
  readonly plane: LocalControlPlane;
  readonly dynamo: LocalDynamo;
  readonly dataDir: string;
  /** Every response body seen by `call` (for secret scans). */
  readonly bodies: string[];
  call(
    method: string,
    path: string,
    key: string | undefined,
    body?: unknown,
  ): Promise<{ status: number; json: unknown; text: string }>;
  close(): Promise<void>;
}

export function coreRequest(
  method: string,
  pathWithQuery: string,
  headers: Record<string, string>,
  body?: unknown,
): CoreRequest {
  const url = new URL(pathWithQuery, "http://local");
  return {
    method,
    path: url.pathname,
    query: url.searchParams,
    headers,
    body: body === undefined ? Buffer.alloc(0) : Buffer.from(typeof body === "string" ? body : JSON.stringify(body)),
    signal: new AbortController().signal,
  };
}

export async function bodyText(res: CoreResponse): Promise<string> {
  if (typeof res.body === "string") return res.body;
  if (Buffer.isBuffer(res.body)) return res.body.toString("utf8");
  const chunks: Buffer[] = [];
  for await (const chunk of res.body as Readable) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

export async function startControlHarness(logLines: string[] = []): Promise<ControlHarness> {
  const dataDir = await mkdtemp(join(tmpdir(), "gw-control-"));
  const dynamo = await startLocalDynamo();
  const plane = await createLocalControlPlane({
    dataDir,
    dynamoEndpoint: dynamo.endpoint,
    adminKey: ROOT_KEY,
    logger: { error: (message, details) => logLines.push(JSON.stringify({ message, ...details })) },
  });
  const bodies: string[] = [];
  return {
    plane,
    dynamo,
    dataDir,
    bodies,
    async call(method, path, key, body) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (key !== undefined) headers["x-portkey-api-key"] = key;
      const res = await plane.adminCore(coreRequest(method, path, headers, body));
      const text = await bodyText(res);
      bodies.push(text);
      return { status: res.status, json: JSON.parse(text) as unknown, text };
    },
    async close() {
      plane.close();
      await dynamo.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Serves a core over loopback HTTP (test-only adapter) so real SDK clients can talk to it. */
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
      const url = new URL(incoming.url ?? "/", "http://local");
      const req: CoreRequest = {
        method: incoming.method ?? "GET",
        path: url.pathname,
        query: url.searchParams,
        headers,
        body: Buffer.concat(chunks),
        signal: new AbortController().signal,
      };
      core(req).then(
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

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function field(value: unknown, name: string): unknown {
  return isRecord(value) ? value[name] : undefined;
}

export function text(value: unknown, name: string): string {
  const found = field(value, name);
  if (typeof found !== "string") throw new Error(`Expected string field ${name} in ${JSON.stringify(value)}`);
  return found;
}
