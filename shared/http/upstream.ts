import type { Dispatcher } from "undici";
import { BadRequestError, GatewayError, UpstreamTimeoutError, UpstreamUnavailableError } from "../core/errors";
import type { AnySignal } from "./abort-source";
import type { HostGuard } from "./host-guard";
import type { UpstreamRequest } from "./types";
import { Agent, errors as undiciErrors } from "./undici-parts";
import { UpstreamBody, type UpstreamBodyStream } from "./upstream-body";

/** A response whose body has not been read yet. The caller must consume or destroy `body`. */
export interface UpstreamResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: UpstreamBodyStream;
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
  function send(upstreamReq: UpstreamRequest, signal: UpstreamSignal): Promise<UpstreamResponse> {
    let dispatched: Promise<UpstreamResponse>;
    try {
      const req = guard ? guard.admit(upstreamReq) : upstreamReq;
      const url = new URL(req.url);
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        throw new undiciErrors.InvalidArgumentError(
          "Invalid URL protocol: the URL must start with `http:` or `https:`.",
        );
      }
      dispatched = new Promise((resolve, reject) => {
        if (signal.aborted) {
          reject(signal.reason ?? new undiciErrors.RequestAbortedError());
          return;
        }
        agent.dispatch(
          {
            origin: url.origin,
            path: url.search ? `${url.pathname}${url.search}` : url.pathname,
            method: req.method,
            headers: req.headers,
            body: req.body,
          },
          new ResponseHandler(signal, resolve, reject),
        );
      });
    } catch (err) {
      return Promise.reject(translateTransportError(err, signal));
    }
    return dispatched.catch((err: unknown) => {
      throw translateTransportError(err, signal);
    });
  }

  return { send, close: () => agent.close() };
}

/**
 * One request's undici dispatch handler (ADR 0045): resolves with the status, headers and an `UpstreamBody` at the
 * response's start, feeds the body, and ties the request to its abort signal (before the answer: the request is
 * aborted and the promise rejects with the signal's reason; after: the body is destroyed with it, as undici's
 * `request()` does).
 */
class ResponseHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private body: UpstreamBody | undefined;
  private readonly onAbort = (): void => {
    const reason = (this.signal.reason as Error | undefined) ?? new undiciErrors.RequestAbortedError();
    if (this.body) this.body.destroy(reason);
    else this.controller?.abort(reason);
  };

  constructor(
    private readonly signal: UpstreamSignal,
    private readonly resolve: (res: UpstreamResponse) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    signal.addEventListener("abort", this.onAbort);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.signal.aborted) this.onAbort();
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (statusCode < 200 || this.body) return; // 1xx: informational, the answer follows
    this.body = new UpstreamBody(controller, this.stopListening);
    this.resolve({ status: statusCode, headers, body: this.body });
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.body?.push(chunk);
  }

  onResponseEnd(): void {
    this.body?.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, err: Error): void {
    if (this.body) this.body.fail(err);
    else {
      this.stopListening();
      this.reject(err);
    }
  }

  private readonly stopListening = (): void => {
    this.signal.removeEventListener("abort", this.onAbort);
  };
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
