import type { Readable } from "node:stream";
import { BadRequestError, GatewayError, UpstreamTimeoutError, UpstreamUnavailableError } from "../core/errors";
import type { AnySignal } from "./abort-source";
import type { HostGuard } from "./host-guard";
import type { UpstreamRequest } from "./types";
import { Agent, request, errors as undiciErrors } from "./undici-parts";

/** A response whose body has not been read yet. The caller must consume or destroy `body`. */
export interface UpstreamResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Readable;
}

/** What cancels an upstream request: an AbortSignal, or an attempt's cheaper `AbortSource`. */
export type UpstreamSignal = AnySignal;

/** Port: the one place upstream HTTP happens. */
export interface UpstreamTransport {
  send(req: UpstreamRequest, signal: UpstreamSignal): Promise<UpstreamResponse>;
  close(): Promise<void>;
}

export interface UndiciTransportOptions {
  /**
   * Checks every request before it is sent (final URL, header values, hop mark) and every connection (its lookup
   * refuses private addresses after DNS; its connector refuses the gateway's own ports after connecting).
   */
  readonly guard?: HostGuard;
  readonly connections?: number;
  readonly keepAliveTimeoutMs?: number;
}

/** Marks an abort caused by our own per-attempt timer, so it is told apart from a client disconnect. */
export class AttemptTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`attempt timed out after ${timeoutMs} ms`);
  }
}

/**
 * undici's own headers and body timeouts: the longest `request_timeout` a config may set, so they never cut a wait
 * the gateway allows, yet no socket waits forever.
 */
export const UPSTREAM_SOCKET_BACKSTOP_MS = 3_600_000;

/** One pooled keep-alive client (undici Agent: a pool per origin), created once per process. */
export function createUndiciTransport(options: UndiciTransportOptions = {}): UpstreamTransport {
  const agent = new Agent({
    connections: options.connections ?? 128,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
    keepAliveMaxTimeout: 600_000,
    // A backstop only: the gateway's own timers (request timeout, stream idle, deadline) end every wait sooner.
    headersTimeout: UPSTREAM_SOCKET_BACKSTOP_MS,
    bodyTimeout: UPSTREAM_SOCKET_BACKSTOP_MS,
    // The guard's connector replaces undici's: the connect timeout is set on it (undici ignores connectTimeout then).
    connect: options.guard ? options.guard.connector({ timeout: 10_000 }) : undefined,
  });

  const guard = options.guard;
  async function send(upstreamReq: UpstreamRequest, signal: UpstreamSignal): Promise<UpstreamResponse> {
    try {
      const req = guard ? guard.admit(upstreamReq) : upstreamReq;
      const res = await request(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body,
        signal,
        dispatcher: agent,
      });
      return { status: res.statusCode, headers: res.headers, body: res.body };
    } catch (err) {
      throw translateTransportError(err, signal);
    }
  }

  return { send, close: () => agent.close() };
}

/** Maps a transport failure to the gateway error a client should see. Client aborts pass through unchanged. */
export function translateTransportError(err: unknown, signal: UpstreamSignal): unknown {
  if (err instanceof GatewayError) return err;
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    if (reason instanceof AttemptTimeout) return new UpstreamTimeoutError(reason.timeoutMs, { cause: err });
    return reason ?? err;
  }
  if (err instanceof undiciErrors.UndiciError || (err instanceof Error && "code" in err)) {
    const code = (err as { code?: string }).code ?? "";
    if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") {
      return new UpstreamTimeoutError(UPSTREAM_SOCKET_BACKSTOP_MS, { cause: err });
    }
    if (code === "ECUSTOMHOSTFORBIDDEN") {
      return new BadRequestError("The upstream host resolves to an address this deployment does not allow.", {
        cause: err,
        param: "custom_host",
        code: "custom_host_forbidden",
      });
    }
    return new UpstreamUnavailableError(`Could not reach the upstream (${code || (err as Error).name}).`, {
      cause: err,
    });
  }
  return err;
}
