import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { type Server as HttpServer, request as httpRequest, type IncomingMessage } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { type OpenAIFake, type OpenAIFakeOptions, startOpenAIFake } from "../fakes/openai-fake";
import { startTestGateway, type TestGateway } from "../support/local-gateway";

/**
 * The attacker's position: the real local runtime, a gateway key with only the `completions` scope in the
 * gateway's workspace, and an upstream it controls (an OpenAI fake that records every request it receives).
 */
export interface Arena {
  readonly gateway: TestGateway;
  /** Completions-scoped key: all the attacker holds. */
  readonly attackerKey: string;
  /** The attacker's own upstream (records requests). */
  readonly attacker: OpenAIFake;
  /** POST to a data-plane path as the attacker, through node:http (see `rawPost`). Bounded: 10 s. */
  call(headers: Record<string, string>, body?: unknown, path?: string): Promise<ArenaReply>;
  /** POSTs JSON (or a text body as is) with fetch as the attacker; status, parsed body (or text) and elapsed ms. */
  post(path: string, body: unknown, headers?: Record<string, string>, timeoutMs?: number): Promise<AttackResponse>;
  stop(): Promise<void>;
}

export interface ArenaOptions {
  /** The attacker's upstream; by default it takes any key and echoes the last user message. */
  readonly upstream?: OpenAIFakeOptions;
  /** Whether the gateway logs request and response bodies; default false. */
  readonly logBodies?: boolean;
}

export interface ArenaReply {
  readonly status: number;
  readonly json: { error?: { message: string; type: string; param: string | null; code: string | null } };
}

export interface AttackResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly text: string;
  readonly ms: number;
}

export const CHAT = { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] };

/** The key the upstream of `KEYED_UPSTREAM` accepts. */
export const PROVIDER_KEY = "sk-hygiene-provider-key-0123456789abcdef";

/**
 * The robustness and hygiene suites (ReDoS, secret leaks, hostile input): an upstream that wants `PROVIDER_KEY`,
 * and bodies logged (so that what reaches the log can be checked).
 */
export const KEYED_UPSTREAM: ArenaOptions = { upstream: { apiKey: PROVIDER_KEY, reply: () => "ok" }, logBodies: true };

/** An inline config that sends to the upstream of `KEYED_UPSTREAM` with its key. */
export function fakeTarget(arena: Arena): Record<string, unknown> {
  return { provider: "openai", api_key: PROVIDER_KEY, custom_host: arena.attacker.baseUrl };
}

export async function startArena(options: ArenaOptions = {}): Promise<Arena> {
  const gateway = await startTestGateway({ logBodies: options.logBodies ?? false });
  const attacker = await startOpenAIFake(options.upstream);
  const attackerKey = await gateway.createKey({ name: "attacker", scopes: ["completions"] });
  async function post(
    path: string,
    body: unknown,
    headers: Record<string, string> = {},
    timeoutMs = 20_000,
  ): Promise<AttackResponse> {
    const started = performance.now();
    const res = await fetch(`${gateway.url}${path}`, {
      method: "POST",
      headers: { "x-portkey-api-key": attackerKey, "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // not JSON (e.g. an SSE stream): `text` has it
    }
    return { status: res.status, body: parsed, text, ms: performance.now() - started };
  }
  return {
    gateway,
    attackerKey,
    attacker,
    call: (headers, body = CHAT, path = "/v1/chat/completions") =>
      rawPost(`${gateway.url}${path}`, { "x-portkey-api-key": attackerKey, ...headers }, body),
    post,
    stop: async () => {
      await attacker.close();
      await gateway.stop();
    },
  };
}

/**
 * A POST through node:http (fetch refuses hop-by-hop request headers such as `upgrade` or `te`, which an attacker
 * can send all the same).
 */
export function rawPost(url: string, headers: Record<string, string>, body: unknown): Promise<ArenaReply> {
  const payload = Buffer.from(JSON.stringify(body));
  // an empty value means "leave this header out" (e.g. send the gateway key only as the Bearer token)
  const sent = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== ""));
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: "POST",
        // chunked (no content-length), so that a `trailer` header is allowed too
        headers: { "content-type": "application/json", ...sent },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.once("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: ArenaReply["json"] = {};
          try {
            json = JSON.parse(text) as ArenaReply["json"];
          } catch {
            json = { error: { message: text, type: "not_json", param: null, code: null } };
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      },
    );
    req.once("timeout", () => req.destroy(new Error("request timed out")));
    req.once("error", reject);
    req.end(payload);
  });
}

/** A loopback TCP listener that only counts connections (a TLS or HTTP upstream would see at least one). */
export interface ConnectionCounter {
  readonly port: number;
  readonly connections: number;
  close(): Promise<void>;
}

export async function startConnectionCounter(): Promise<ConnectionCounter> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    port,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Counts the HTTP requests any server of this process on `port` starts handling (node's
 * `http.server.request.start` channel): proves how many requests reached the gateway or its embedded DynamoDB.
 */
export interface RequestCounter {
  readonly requests: readonly string[];
  stop(): void;
}

export function countRequestsOnPort(port: number): RequestCounter {
  const requests: string[] = [];
  const onStart = (message: unknown): void => {
    const { request, server } = message as { request: IncomingMessage; server: HttpServer };
    const address = server.address();
    if (typeof address === "object" && address?.port === port) requests.push(`${request.method} ${request.url}`);
  };
  subscribe("http.server.request.start", onStart);
  return { requests, stop: () => unsubscribe("http.server.request.start", onStart) };
}
