import type { Readable } from "node:stream";
import { UpstreamError, UpstreamUnavailableError } from "../core/errors";
import { AttemptTimeout, translateTransportError, type UpstreamTransport } from "../http/upstream";
import type { ProviderAdapter, StreamTranslator, TransformContext, TranslatedResponse } from "../providers/types";
import { type StreamEnd, TranslatedStream } from "./translated-stream";

/** Upstream response headers worth passing on to the client (rate-limit state, request ids). */
const PASSED_HEADER = /^(x-request-id|openai-|x-ratelimit-|anthropic-ratelimit-|request-id|retry-after)/;

export interface AttemptInput {
  readonly adapter: ProviderAdapter;
  readonly ctx: TransformContext;
  readonly transport: UpstreamTransport;
  /** The client's signal: aborting it aborts the upstream call. */
  readonly clientSignal: AbortSignal;
  /** Per-attempt limit until the answer (non-stream) or the first streamed chunk. */
  readonly timeoutMs?: number;
  readonly streamIdleTimeoutMs: number;
  readonly onStreamEnd: (end: StreamEnd, stream: StreamAttempt) => void;
  /** Sees every chunk the client is sent on a stream (body logging). */
  readonly onStreamOutput?: (chunk: Buffer | string) => void;
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

export type AttemptResult = JsonAttempt | StreamAttempt;

function passedHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in headers) {
    if (!PASSED_HEADER.test(name)) continue;
    const v = headers[name];
    if (v !== undefined) out[name] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
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

/** Waits for the first chunk of a stream, so failures before the first byte can still be retried or failed over. */
function firstChunk(body: Readable): Promise<Buffer | null> {
  // `end` follows the last chunk on the next tick, between two calls: once missed, it would never come again.
  if (body.readableEnded) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      cleanup();
      body.pause();
      resolve(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(null);
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    function cleanup(): void {
      body.off("data", onData);
      body.off("end", onEnd);
      body.off("error", onError);
    }
    body.on("data", onData);
    body.once("end", onEnd);
    body.once("error", onError);
  });
}

/**
 * One call to one upstream. Resolves with a translated answer or a stream that has produced its first chunk;
 * throws a `GatewayError` (UpstreamError keeps the provider's status) so the caller can retry or fall back.
 */
export async function runAttempt(input: AttemptInput): Promise<AttemptResult> {
  const { adapter, ctx, transport } = input;
  const started = performance.now();
  // An attempt needs a signal of its own only to add a per-attempt timeout; otherwise the client's signal is
  // passed straight through (an AbortController per attempt is measurable on the hot path).
  const controller = input.timeoutMs === undefined ? undefined : new AbortController();
  const signal = controller ? controller.signal : input.clientSignal;
  const onClientAbort = (): void => controller?.abort(input.clientSignal.reason);
  if (controller) {
    if (input.clientSignal.aborted) onClientAbort();
    input.clientSignal.addEventListener("abort", onClientAbort, { once: true });
  }
  const timer = controller
    ? setTimeout(() => controller.abort(new AttemptTimeout(input.timeoutMs as number)), input.timeoutMs)
    : undefined;
  const release = (): void => {
    if (!controller) return;
    clearTimeout(timer);
    input.clientSignal.removeEventListener("abort", onClientAbort);
  };

  try {
    let upstreamReq = adapter.toRequest(ctx);
    if (adapter.sign) upstreamReq = await adapter.sign(upstreamReq, ctx);
    const res = await transport.send(upstreamReq, signal);
    const headers = passedHeaders(res.headers);
    const dropped = upstreamReq.droppedParams;
    if (dropped?.length) headers["x-portkey-dropped-params"] = dropped.join(", ");
    if (res.status < 200 || res.status >= 300) {
      const raw = await readAll(res.body);
      throw new UpstreamError(res.status, adapter.mapError(res.status, raw, ctx), { headers });
    }
    if (!adapter.isStreaming(ctx)) {
      const raw = await readAll(res.body);
      if (looksTruncated(res.headers["content-type"], raw)) {
        throw new UpstreamUnavailableError("The upstream sent an incomplete JSON body.", {
          code: "upstream_incomplete_body",
        });
      }
      release();
      const response = adapter.fromResponse(res.status, raw, ctx);
      return { kind: "json", status: res.status, headers, response, latencyMs: performance.now() - started };
    }
    const translator = adapter.createStreamTranslator(ctx);
    let head: Buffer | string = Buffer.alloc(0);
    // Read until the translator produces output (or the upstream ends): only then is the stream committed.
    while (head.length === 0) {
      const chunk = await firstChunk(res.body);
      if (chunk === null) {
        // Ended before producing a single event: a failure before the first byte, so it may be retried.
        throw new UpstreamUnavailableError("The upstream closed the stream before sending any event.", {
          code: "empty_stream",
        });
      }
      head = translator.push(chunk);
    }
    // An error as the stream's first event (e.g. Anthropic "overloaded", a Bedrock throttling frame) is a failure
    // before the first byte reached the client: retry and fallback may still handle it.
    if (translator.error) {
      res.body.destroy();
      throw new UpstreamError(502, translator.error, { headers });
    }
    const ttftMs = performance.now() - started;
    release();
    const attempt: { -readonly [K in keyof StreamAttempt]: StreamAttempt[K] } = {
      kind: "stream",
      status: res.status,
      headers,
      translator,
      ttftMs,
      stream: undefined as unknown as TranslatedStream,
    };
    attempt.stream = new TranslatedStream({
      upstream: res.body,
      translator,
      head,
      // the stream destroys the upstream body itself; a controller (timeout case) is told too
      abortUpstream: (reason) => controller?.abort(reason),
      idleTimeoutMs: input.streamIdleTimeoutMs,
      onEnd: (end) => input.onStreamEnd(end, attempt),
      onOutput: input.onStreamOutput,
    });
    return attempt;
  } catch (err) {
    release();
    const translated = translateTransportError(err, signal);
    if (controller && !controller.signal.aborted) controller.abort(translated);
    throw translated;
  }
}
