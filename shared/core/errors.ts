/**
 * One error family for everything the gateway says went wrong. Only `renderError` writes the
 * `{"error":{message,type,param,code}}` body; everything else throws a subclass of `GatewayError`.
 *
 * `type` for errors the gateway makes itself always starts with `gateway_` or is one of OpenAI's own types
 * (`invalid_request_error`, `authentication_error`, `permission_error`, `rate_limit_error`), so a client can tell
 * a gateway-made error from an upstream one. Upstream errors keep the provider's status and OpenAI-shaped body.
 */
export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface GatewayErrorOptions {
  param?: string | null;
  code?: string | null;
  cause?: unknown;
  headers?: Record<string, string>;
}

export class GatewayError extends Error {
  readonly statusCode: number;
  readonly errorType: string;
  readonly param: string | null;
  readonly code: string | null;
  readonly headers: Record<string, string>;
  /** 4xx messages reach the client; 5xx messages are replaced unless `expose` is set by a subclass. */
  readonly expose: boolean;

  constructor(statusCode: number, errorType: string, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.statusCode = statusCode;
    this.errorType = errorType;
    this.param = options.param ?? null;
    this.code = options.code ?? null;
    this.headers = options.headers ?? {};
    this.expose = statusCode < 500;
  }

  toBody(): ErrorBody {
    return { error: { message: this.message, type: this.errorType, param: this.param, code: this.code } };
  }
}

export class BadRequestError extends GatewayError {
  constructor(message: string, options: GatewayErrorOptions = {}) {
    super(400, "invalid_request_error", message, options);
  }
}

export class AuthenticationError extends GatewayError {
  constructor(message = "Missing or invalid API key.", options: GatewayErrorOptions = {}) {
    super(401, "authentication_error", message, { code: "invalid_api_key", ...options });
  }
}

export class PermissionError extends GatewayError {
  constructor(message: string, options: GatewayErrorOptions = {}) {
    super(403, "permission_error", message, { code: "forbidden", ...options });
  }
}

export class NotFoundError extends GatewayError {
  constructor(message: string, options: GatewayErrorOptions = {}) {
    super(404, "invalid_request_error", message, { code: "not_found", ...options });
  }
}

export class MethodNotAllowedError extends GatewayError {
  constructor(method: string, path: string) {
    super(405, "invalid_request_error", `Method ${method} is not allowed on ${path}.`, {
      code: "method_not_allowed",
    });
  }
}

export class ConflictError extends GatewayError {
  constructor(message: string, options: GatewayErrorOptions = {}) {
    super(409, "invalid_request_error", message, { code: "conflict", ...options });
  }
}

export class PayloadTooLargeError extends GatewayError {
  constructor(limitBytes: number) {
    super(413, "invalid_request_error", `Request body exceeds ${limitBytes} bytes.`, { code: "request_too_large" });
  }
}

/** The client did not finish sending its request body in time. */
export class RequestBodyTimeoutError extends GatewayError {
  constructor(timeoutMs: number) {
    super(408, "invalid_request_error", `The request body was not received within ${timeoutMs} ms.`, {
      code: "request_body_timeout",
    });
  }
}

export class RateLimitError extends GatewayError {
  constructor(message: string, options: GatewayErrorOptions = {}) {
    super(429, "rate_limit_error", message, { code: "rate_limit_exceeded", ...options });
  }
}

/** The API declares this operation but this deployment does not serve it (yet); the message says what to do. */
export class NotImplementedError extends GatewayError {
  constructor(message: string, options: GatewayErrorOptions = {}) {
    super(501, "invalid_request_error", message, { code: "not_implemented", ...options });
    (this as { expose: boolean }).expose = true;
  }
}

/** The gateway could not reach the upstream at all (DNS, connect refused, reset before a response). */
export class UpstreamUnavailableError extends GatewayError {
  constructor(message: string, options: GatewayErrorOptions = {}) {
    super(502, "gateway_upstream_error", message, { code: "upstream_unavailable", ...options });
    (this as { expose: boolean }).expose = true;
  }
}

export class UpstreamTimeoutError extends GatewayError {
  constructor(timeoutMs: number, options: GatewayErrorOptions = {}) {
    super(504, "gateway_timeout", `Upstream did not answer within ${timeoutMs} ms.`, {
      code: "upstream_timeout",
      ...options,
    });
    (this as { expose: boolean }).expose = true;
  }
}

/**
 * The request reached the time the runtime allows it (on Lambda: the function timeout minus the time kept for the
 * work after the response). Not an upstream failure: no retry or fallback follows it.
 */
export class DeadlineExceededError extends GatewayError {
  constructor(options: GatewayErrorOptions = {}) {
    super(504, "gateway_timeout", "The request reached the time this deployment allows a request.", {
      code: "request_deadline_exceeded",
      ...options,
    });
    (this as { expose: boolean }).expose = true;
  }
}

/** An upstream answered with an error: keeps its status; the body is already OpenAI-shaped by the provider. */
export class UpstreamError extends GatewayError {
  readonly upstreamBody: ErrorBody;
  constructor(statusCode: number, body: ErrorBody, options: GatewayErrorOptions = {}) {
    super(statusCode, body.error.type, body.error.message, {
      param: body.error.param,
      code: body.error.code,
      ...options,
    });
    this.upstreamBody = body;
    (this as { expose: boolean }).expose = true;
  }

  override toBody(): ErrorBody {
    return this.upstreamBody;
  }
}

/** A request that carries this deployment's own hop mark: it came back through an upstream (508 Loop Detected). */
export class LoopDetectedError extends GatewayError {
  constructor() {
    super(
      508,
      "gateway_loop_detected",
      "This request was sent by this gateway to an upstream and came back to it; the loop is stopped here.",
      { code: "loop_detected" },
    );
    (this as { expose: boolean }).expose = true;
  }
}

export class InternalError extends GatewayError {
  constructor(message = "The gateway hit an internal error.", options: GatewayErrorOptions = {}) {
    super(500, "gateway_internal_error", message, { code: "internal_error", ...options });
  }
}

const GENERIC_5XX = "The gateway hit an internal error.";

/** The API whose shape errors are written in: an endpoint row's `api` (shared/core/endpoints.ts); default OpenAI's. */
export type ErrorApi = "anthropic" | undefined;

/** Anthropic's documented error types (docs.anthropic.com, "Errors"). */
const ANTHROPIC_ERROR_TYPES: ReadonlySet<string> = new Set([
  "invalid_request_error",
  "authentication_error",
  "billing_error",
  "permission_error",
  "not_found_error",
  "request_too_large",
  "rate_limit_error",
  "api_error",
  "timeout_error",
  "overloaded_error",
]);

const ANTHROPIC_TYPE_BY_STATUS: Readonly<Record<number, string>> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  504: "timeout_error",
  529: "overloaded_error",
};

/**
 * An error's status and `error.type` in Anthropic's terms. A type Anthropic documents is kept (a native upstream
 * error passes unchanged); else the type follows the status. A budget refusal (412, Portkey's) is Anthropic's
 * 402 `billing_error`: not retried by its SDKs, as 412 is not by OpenAI's (ADR 0030).
 */
export function anthropicStatusAndType(status: number, type: string): { status: number; type: string } {
  const mapped = status === 412 ? 402 : status;
  if (ANTHROPIC_ERROR_TYPES.has(type) && mapped !== 402) return { status: mapped, type };
  const byStatus = ANTHROPIC_TYPE_BY_STATUS[mapped];
  return { status: mapped, type: byStatus ?? (mapped >= 500 ? "api_error" : "invalid_request_error") };
}

/** An OpenAI-shaped error body in Anthropic's shape: `{"type":"error","error":{"type","message"}}`. */
export function anthropicErrorJson(status: number, body: ErrorBody): { status: number; body: string } {
  const mapped = anthropicStatusAndType(status, body.error.type);
  const error = { type: mapped.type, message: body.error.message };
  return { status: mapped.status, body: JSON.stringify({ type: "error", error }) };
}

/**
 * The SSE event that ends a stream with an error, in the endpoint's API: OpenAI's SDKs raise on
 * `data: {"error":...}`, Anthropic's on `event: error` with its error object.
 */
export function streamErrorEvent(body: ErrorBody, api: ErrorApi): string {
  if (api !== "anthropic") return `data: ${JSON.stringify(body)}\n\n`;
  const type = ANTHROPIC_ERROR_TYPES.has(body.error.type) ? body.error.type : "api_error";
  return `event: error\ndata: ${JSON.stringify({ type: "error", error: { type, message: body.error.message } })}\n\n`;
}

/**
 * Turns anything thrown into (status, headers, body), in OpenAI's shape or the endpoint's API (`api`). Unknown
 * errors become a generic 500 with no internals.
 */
export function renderError(
  err: unknown,
  api?: ErrorApi,
): { status: number; headers: Record<string, string>; body: string } {
  const gatewayError = err instanceof GatewayError ? err : new InternalError(GENERIC_5XX, { cause: err });
  const body = gatewayError.toBody();
  if (!gatewayError.expose) body.error.message = GENERIC_5XX;
  const headers = { "content-type": "application/json", ...gatewayError.headers };
  if (api === "anthropic") return { headers, ...anthropicErrorJson(gatewayError.statusCode, body) };
  return { status: gatewayError.statusCode, headers, body: JSON.stringify(body) };
}
