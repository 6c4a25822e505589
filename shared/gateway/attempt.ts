import { setTimeout as delay } from "node:timers/promises";
import { ENDPOINTS } from "../core/endpoints";
import { DeadlineExceededError, UpstreamError, UpstreamUnavailableError } from "../core/errors";
import { AbortSource, type AnySignal } from "../http/abort-source";
import { AttemptTimeout, translateTransportError, type UpstreamTransport } from "../http/upstream";
import type { UpstreamBodyStream } from "../http/upstream-body";
import type {
  ProviderAdapter,
  SideCalls,
  StreamTranslator,
  TransformContext,
  TranslatedResponse,
} from "../providers/types";
import { DEFAULT_GATEWAY_BOUNDS } from "./bounds";
import { ByteStream, type ByteStreamEnd } from "./byte-stream";
import { type StreamEnd, type StreamFilter, TranslatedStream } from "./translated-stream";

/** Upstream response headers worth passing on to the client (rate-limit state, request ids). */
const PASSED_HEADER = /^(x-request-id|openai-|x-ratelimit-|anthropic-ratelimit-|request-id|retry-after)/;

export interface AttemptInput {
  readonly adapter: ProviderAdapter;
  readonly ctx: TransformContext;
  readonly transport: UpstreamTransport;
  /** The client's signal: aborting it aborts the upstream call. */
  readonly clientSignal: AnySignal;
  /** `traceparent` (and `tracestate`) for the upstream: built by shared/logging/trace-context.ts, never the client's raw value. */
  readonly traceHeaders?: Readonly<Record<string, string>>;
  /** Per-attempt limit until the whole answer (non-stream) or the first event the client is sent (stream). */
  readonly timeoutMs: number;
  /** `Date.now()` by which the request must end (`CoreRequest.deadline`); the attempt and its stream end there. */
  readonly deadline?: number;
  readonly streamIdleTimeoutMs: number;
  /** Most bytes of an answer read into memory; default `DEFAULT_GATEWAY_BOUNDS.maxUpstreamBodyBytes`. */
  readonly maxBodyBytes?: number;
  /** Most stream bytes without output for the client; default `DEFAULT_GATEWAY_BOUNDS.maxStreamEventBytes`. */
  readonly maxEventBytes?: number;
  readonly onStreamEnd: (end: StreamEnd, stream: StreamAttempt) => void;
  /** Rewrites the client's events and judges the stream's end (after-request guardrails on a stream). */
  readonly streamFilter?: StreamFilter;
  /** Sees every chunk the client is sent on a stream (body logging). */
  readonly onStreamOutput?: (chunk: Buffer | string) => void;
  /** A `bytes` answer (shared/core/endpoints.ts) ended: completely, cut, or the client left. */
  readonly onBytesEnd?: (end: ByteStreamEnd, attempt: BytesAttempt) => void;
}

export interface JsonAttempt {
  readonly kind: "json";
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly response: TranslatedResponse;
  readonly latencyMs: number;
}

export interface StreamAttempt {
  readonly kind: "stream";
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly stream: TranslatedStream;
  readonly translator: StreamTranslator;
  /** Time from attempt start to the first upstream chunk. */
  readonly ttftMs: number;
}

/** An answer passed through as bytes (a file's content, the catch-all): streamed, never read whole. */
export interface BytesAttempt {
  readonly kind: "bytes";
  readonly status: number;
  /** The passed headers, with the upstream's content type and content disposition. */
  readonly headers: Record<string, string>;
  readonly stream: ByteStream;
  /** Time from attempt start to the upstream's headers. */
  readonly latencyMs: number;
}

export type AttemptResult = JsonAttempt | StreamAttempt | BytesAttempt;

/** A cached chat completion replayed to a streaming client. */
export interface CachedStreamAttempt {
  readonly kind: "cached-stream";
  readonly status: 200;
  readonly headers: Record<string, string>;
  readonly events: readonly string[];
  readonly model: string;
}

/** What one target answers: an upstream attempt, or the cache's replay of one. */
export type CachedAttemptResult = AttemptResult | CachedStreamAttempt;

function passedHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in headers) {
    if (!PASSED_HEADER.test(name)) continue;
    const v = headers[name];
    if (v !== undefined) out[name] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

/** What a client needs to read a passed-through body: its type and file name (the length is not promised). */
function contentHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  const type = headers["content-type"];
  const disposition = headers["content-disposition"];
  out["content-type"] = (Array.isArray(type) ? type[0] : type) ?? "application/octet-stream";
  if (typeof disposition === "string") out["content-disposition"] = disposition;
  return out;
}

function tooLarge(maxBytes: number): UpstreamUnavailableError {
  return new UpstreamUnavailableError(`The upstream's answer exceeds ${maxBytes} bytes.`, {
    code: "upstream_response_too_large",
  });
}

/** The whole body, refused (and the connection dropped) once it exceeds `maxBytes`: never held beyond the cap. */
function readAll(
  body: UpstreamBodyStream,
  declaredLength: string | string[] | undefined,
  maxBytes: number,
): Promise<Buffer> {
  if (Number(declaredLength) > maxBytes) {
    body.destroy();
    return Promise.reject(tooLarge(maxBytes));
  }
  // data events, not `for await`: a Readable's async iterator costs a few microseconds of machinery per answer
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    body.on("data", (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > maxBytes) {
        settled = true;
        body.destroy();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    body.once("end", () => {
      settled = true;
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    });
    body.once("error", (err) => {
      settled = true;
      reject(err);
    });
    // destroyed without an error (by its owner) and without an end: no answer will come. `close` also follows every
    // `end`: the error is built only when nothing settled the read (an Error captures a stack: ~3% of a JSON request)
    body.once("close", () => {
      if (settled) return;
      settled = true;
      reject(new UpstreamUnavailableError("The upstream body was closed before its end."));
    });
  });
}

/**
 * A JSON answer whose last non-blank byte is not `}` or `]` was cut off (connection closed cleanly mid-body).
 * O(1) instead of a second parse; the provider's own parse catches the rarer cuts right after a nested brace.
 */
function looksTruncated(contentType: string | string[] | undefined, raw: Buffer): boolean {
  const type = Array.isArray(contentType) ? contentType[0] : contentType;
  if (!type?.includes("json")) return false;
  let i = raw.length - 1;
  while (i >= 0 && (raw[i] === 0x20 || raw[i] === 0x0a || raw[i] === 0x0d || raw[i] === 0x09)) i--;
  return i < 0 || (raw[i] !== 0x7d && raw[i] !== 0x5d);
}

/** The network a provider's `sign` step uses: the same transport (SSRF guard), answers read whole and capped. */
export function sideCalls(transport: UpstreamTransport, attemptSignal: AbortSignal): SideCalls {
  return {
    async send(req, limits) {
      const signal = limits.signal ?? attemptSignal;
      try {
        const res = await transport.send(req, signal);
        const body = await readAll(res.body, res.headers["content-length"], limits.maxBytes);
        return { status: res.status, headers: res.headers, body };
      } catch (err) {
        throw translateTransportError(err, signal);
      }
    },
    wait: (ms) => delay(ms, undefined, { signal: attemptSignal }),
  };
}

/**
 * One call to one upstream. Resolves with a translated answer or a stream that has its first event for the client;
 * throws a `GatewayError` (UpstreamError keeps the provider's status) so the caller can retry or fall back.
 */
export async function runAttempt(input: AttemptInput): Promise<AttemptResult> {
  const { adapter, ctx, transport } = input;
  const started = performance.now();
  const left = input.deadline === undefined ? Number.POSITIVE_INFINITY : input.deadline - Date.now();
  if (left <= 0) throw new DeadlineExceededError();
  const maxBodyBytes = input.maxBodyBytes ?? DEFAULT_GATEWAY_BOUNDS.maxUpstreamBodyBytes;
  const maxEventBytes = input.maxEventBytes ?? DEFAULT_GATEWAY_BOUNDS.maxStreamEventBytes;
  // Every attempt has a timer (the request timeout, or the deadline when that comes first) and so a cancellation
  // of its own, which follows the client's.
  const byDeadline = left < input.timeoutMs;
  const abort = new AbortSource();
  const onClientAbort = (): void => abort.abort(input.clientSignal.reason);
  if (input.clientSignal.aborted) onClientAbort();
  input.clientSignal.addEventListener("abort", onClientAbort, { once: true });
  const timer = setTimeout(
    () => abort.abort(byDeadline ? new DeadlineExceededError() : new AttemptTimeout(input.timeoutMs)),
    byDeadline ? left : input.timeoutMs,
  );
  const release = (): void => {
    clearTimeout(timer);
    input.clientSignal.removeEventListener("abort", onClientAbort);
  };

  try {
    const local = adapter.localAnswer?.(ctx);
    if (local) {
      release();
      return { kind: "json", status: 200, headers: {}, response: local, latencyMs: performance.now() - started };
    }
    let upstreamReq = adapter.toRequest(ctx);
    if (adapter.sign) upstreamReq = await adapter.sign(upstreamReq, ctx, sideCalls(transport, abort.signal));
    if (input.traceHeaders)
      upstreamReq = { ...upstreamReq, headers: { ...upstreamReq.headers, ...input.traceHeaders } };
    const res = await transport.send(upstreamReq, abort);
    const headers = passedHeaders(res.headers);
    const dropped = upstreamReq.droppedParams;
    if (dropped?.length) headers["x-portkey-dropped-params"] = dropped.join(", ");
    if (res.status < 200 || res.status >= 300) {
      const raw = await readAll(res.body, res.headers["content-length"], maxBodyBytes);
      throw new UpstreamError(res.status, adapter.mapError(res.status, raw, ctx), { headers });
    }
    if (ENDPOINTS[ctx.endpoint].answer === "bytes") {
      // headers are in: from here the body's own timers (idle, deadline) bound it, as for a stream
      release();
      const attempt: BytesAttempt = {
        kind: "bytes",
        status: res.status,
        headers: { ...headers, ...contentHeaders(res.headers) },
        latencyMs: performance.now() - started,
        stream: new ByteStream({
          upstream: res.body,
          abortUpstream: (reason) => abort.abort(reason),
          idleTimeoutMs: input.streamIdleTimeoutMs,
          deadlineInMs: input.deadline === undefined ? undefined : input.deadline - Date.now(),
          onEnd: (end) => input.onBytesEnd?.(end, attempt),
        }),
      };
      return attempt;
    }
    if (!adapter.isStreaming(ctx)) {
      let raw = await readAll(res.body, res.headers["content-length"], maxBodyBytes);
      if (looksTruncated(res.headers["content-type"], raw)) {
        throw new UpstreamUnavailableError("The upstream sent an incomplete JSON body.", {
          code: "upstream_incomplete_body",
        });
      }
      if (adapter.followUp) raw = await adapter.followUp(raw, upstreamReq, ctx, sideCalls(transport, abort.signal));
      release();
      const response = adapter.fromResponse(res.status, raw, ctx);
      return { kind: "json", status: res.status, headers, response, latencyMs: performance.now() - started };
    }
    const translator = adapter.createStreamTranslator(ctx);
    const stream = new TranslatedStream({
      upstream: res.body,
      translator,
      // the stream destroys the upstream body itself; the attempt's cancellation is told too
      abortUpstream: (reason) => abort.abort(reason),
      idleTimeoutMs: input.streamIdleTimeoutMs,
      maxEventBytes,
      onOutput: input.onStreamOutput,
      api: ENDPOINTS[ctx.endpoint].api,
      filter: input.streamFilter,
    });
    // Read until the translator produces output (or the upstream ends): only then is the stream committed.
    let head: Buffer | string | null;
    try {
      head = await stream.firstOutput;
    } catch (err) {
      stream.destroy();
      throw err;
    }
    if (head === null) {
      // Ended before producing a single event: a failure before the first byte, so it may be retried.
      throw new UpstreamUnavailableError("The upstream closed the stream before sending any event.", {
        code: "empty_stream",
      });
    }
    // An error as the stream's first event (e.g. Anthropic "overloaded", a Bedrock throttling frame) is a failure
    // before the first byte reached the client: retry and fallback may still handle it.
    if (translator.error) {
      stream.destroy();
      throw new UpstreamError(502, translator.error, { headers });
    }
    const ttftMs = performance.now() - started;
    release();
    const attempt: StreamAttempt = { kind: "stream", status: res.status, headers, translator, ttftMs, stream };
    stream.start({
      deadlineInMs: input.deadline === undefined ? undefined : input.deadline - Date.now(),
      onEnd: (end) => input.onStreamEnd(end, attempt),
    });
    return attempt;
  } catch (err) {
    release();
    const translated = translateTransportError(err, abort);
    if (!abort.aborted) abort.abort(translated);
    throw translated;
  }
}
