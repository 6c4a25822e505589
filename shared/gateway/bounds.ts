/**
 * Every wait on an upstream has a timeout and every body read into memory a cap. One place for the defaults
 * (documented in docs/gateway.md); `createGatewayCore({ bounds })` overrides them per deployment, a config's
 * `request_timeout` and the `x-portkey-request-timeout` header override the timeout per request.
 */
export interface GatewayBounds {
  /**
   * Per attempt: how long the upstream may take to send its whole answer (non-stream) or the first event the
   * client is sent (stream). A miss is a 504 `upstream_timeout`, which retries and fallbacks handle.
   */
  readonly requestTimeoutMs: number;
  /** Most bytes of an upstream answer read into memory (JSON answers, error bodies); beyond: 502. */
  readonly maxUpstreamBodyBytes: number;
  /**
   * Most bytes a stream may carry without giving the client anything (one event's size): more is garbage, or an
   * event no client could hold, and fails the attempt (before the first byte) or ends the stream with an error.
   */
  readonly maxStreamEventBytes: number;
}

export const DEFAULT_GATEWAY_BOUNDS: GatewayBounds = Object.freeze({
  requestTimeoutMs: 240_000,
  maxUpstreamBodyBytes: 64 * 1024 * 1024,
  maxStreamEventBytes: 16 * 1024 * 1024,
});

/** Default milliseconds without a byte for the client on a started stream before it ends with `stream_stalled`. */
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 120_000;

/**
 * Time the Lambda adapter keeps, out of the invocation's remaining time, for the work after the response (budget
 * settlement, cache writes, the log flush): the request's deadline is the Lambda timeout minus this.
 */
export const POST_RESPONSE_RESERVE_MS = 10_000;
