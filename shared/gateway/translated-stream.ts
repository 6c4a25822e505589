import { Readable } from "node:stream";
import { type ErrorApi, type ErrorBody, streamErrorEvent, UpstreamUnavailableError } from "../core/errors";
import type { BodySink, DirectBody } from "../http/types";
import type { UpstreamBodyStream } from "../http/upstream-body";
import type { StreamTranslator } from "../providers/types";

export interface StreamEnd {
  /** "complete": the provider finished cleanly; "error": it failed mid-way; "client_abort": the client left. */
  readonly reason: "complete" | "error" | "client_abort";
  readonly error?: ErrorBody;
  /** The status the request log records for an error end, when not the upstream's failure (502), e.g. 446. */
  readonly status?: number;
}

/**
 * Sees the client's events on their way out (after-request guardrails on a stream: shared/guardrails/stream-guard.ts):
 * `output` may rewrite or hold back text; `end`, once the upstream finished cleanly, gives the rest to send or the
 * error event to end with instead (and the status the log records for it).
 */
export interface StreamFilter {
  output(out: Buffer | string): string;
  end(tail: Buffer | string): Promise<{ readonly tail: string } | { readonly error: ErrorBody }>;
}

/** The status logged for a stream a filter ended with an error (a guardrail deny). */
const FILTER_DENY_STATUS = 446;

export interface TranslatedStreamOptions {
  readonly upstream: UpstreamBodyStream;
  readonly translator: StreamTranslator;
  /** Abort the upstream request (client went away, or a timeout). */
  readonly abortUpstream: (reason: unknown) => void;
  /** Milliseconds without output for the client after which the stream is failed with an SSE error event. */
  readonly idleTimeoutMs: number;
  /** Most upstream bytes without output for the client (garbage, or one oversized event) before it fails. */
  readonly maxEventBytes: number;
  /** Sees every chunk sent to the client (for body logging); must be cheap and must not throw. */
  readonly onOutput?: (chunk: Buffer | string) => void;
  /** The API the client speaks (the endpoint row's `api`): the shape of the error event that ends a failed stream. */
  readonly api?: ErrorApi;
  /** Rewrites the output and decides the end (after-request guardrails). */
  readonly filter?: StreamFilter;
}

export interface StreamStart {
  /** Milliseconds until the request's deadline, where the stream ends with an error event; undefined: none. */
  readonly deadlineInMs?: number;
  readonly onEnd: (end: StreamEnd) => void;
}

function streamError(message: string, code: string, type = "gateway_upstream_error"): ErrorBody {
  return { error: { message, type, param: null, code } };
}

/**
 * The client-facing stream: upstream bytes through a provider translator, with backpressure. Two phases, one set
 * of upstream listeners (so no chunk, end or error falls between them):
 * - until the translator's first output, `firstOutput` is pending; a failure rejects it (the attempt may still be
 *   retried) and the upstream is left paused once the output is there;
 * - `start()` commits the stream: the first output goes out, and from then on a failure ends the stream with an
 *   SSE error event, never a silent cut. Destroying the stream (client disconnect) aborts the upstream call.
 * Only output for the client counts as progress: bytes that never form an event keep no stream alive.
 */
export class TranslatedStream extends Readable implements DirectBody {
  /** The translator's first output (or its error event), or null when the upstream ended before any. */
  readonly firstOutput: Promise<Buffer | string | null>;
  private resolveFirst!: (head: Buffer | string | null) => void;
  private rejectFirst!: (err: unknown) => void;
  private head: Buffer | string | null = null;
  /** Output produced before `start()` (normally just the first). */
  private readonly held: (Buffer | string)[] = [];
  private start_: StreamStart | undefined;
  private upstreamEnded = false;
  private upstreamFailed = false;
  /** The upstream ended and the filter is deciding the end. */
  private judging = false;
  private done = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  /** Upstream bytes since the last output for the client. */
  private withoutOutput = 0;
  /** Upstream chunks of this turn, not translated yet (`receive`). */
  private input: Buffer[] = [];
  /**
   * Who takes the output: not known yet (it waits in `pending`), a Readable reader (`push`), or a sink the adapter
   * gave `writeTo` (written straight into the response, without the Readable's buffering and ticks).
   */
  private mode: "undecided" | "readable" | "direct" = "undecided";
  private sink: BodySink | undefined;
  private awaitingDrain = false;
  private pending: (Buffer | string)[] = [];
  private pendingBytes = 0;
  /** The output is complete (or failed): the end is passed on once a reader is there. */
  private outputEnded = false;

  constructor(private readonly opts: TranslatedStreamOptions) {
    super();
    this.firstOutput = new Promise((resolve, reject) => {
      this.resolveFirst = resolve;
      this.rejectFirst = reject;
    });
    const { upstream } = opts;
    upstream.on("data", (chunk: Buffer) => this.receive(chunk));
    upstream.once("end", () => {
      this.takeInput();
      this.upstreamEnded = true;
      if (this.start_) this.finishFromUpstream();
      else if (this.head === null) this.resolveFirst(null);
    });
    upstream.once("error", (err: Error) => {
      this.takeInput();
      this.upstreamFailed = true;
      if (this.start_) this.failInterrupted();
      else if (this.head === null) this.rejectFirst(err);
    });
  }

  /** Commits the stream (after `firstOutput` resolved with output): sends it and starts the timers. */
  start(start: StreamStart): this {
    this.start_ = start;
    for (const out of this.held) this.send(out);
    this.held.length = 0;
    this.armIdle();
    if (start.deadlineInMs !== undefined) {
      this.deadlineTimer = setTimeout(() => {
        this.opts.abortUpstream(new Error("request deadline"));
        const message = "The stream reached the time this deployment allows a request.";
        this.fail(streamError(message, "request_deadline_exceeded", "gateway_timeout"));
      }, start.deadlineInMs);
      this.deadlineTimer.unref?.();
    }
    // the upstream may have ended or failed between the first output and now
    if (this.upstreamFailed) this.failInterrupted();
    else if (this.upstreamEnded) this.finishFromUpstream();
    return this;
  }

  /**
   * Upstream chunks that arrive in one turn are taken together, at the end of it: an HTTP client hands over one
   * chunk per chunked-encoding frame, and an upstream writes one frame per event, so a burst of 20 events read
   * in one socket read would otherwise cost 20 translations, 20 captures and 20 response writes.
   */
  private receive(chunk: Buffer): void {
    this.input.push(chunk);
    if (this.input.length === 1) queueMicrotask(this.takeInputLater);
  }

  private readonly takeInputLater = (): void => this.takeInput();

  private takeInput(): void {
    const { input } = this;
    if (input.length === 0) return;
    this.input = [];
    if (this.done) return; // the stream was failed or the client left meanwhile
    this.onChunk(input.length === 1 ? (input[0] as Buffer) : Buffer.concat(input));
  }

  private onChunk(chunk: Buffer): void {
    const { upstream, translator, maxEventBytes } = this.opts;
    const raw = translator.push(chunk);
    if (raw.length || (!this.start_ && translator.error)) {
      this.withoutOutput = 0;
      const out = this.opts.filter && raw.length ? this.opts.filter.output(raw) : raw;
      if (!this.start_) {
        // the first output: hold it (and the rest of the upstream) until the attempt commits the stream
        upstream.pause();
        if (out.length) this.held.push(out);
        this.head ??= raw;
        this.resolveFirst(raw);
        return;
      }
      this.armIdle();
      if (out.length && !this.send(out)) upstream.pause();
      return;
    }
    this.withoutOutput += chunk.length;
    if (this.withoutOutput <= maxEventBytes) return;
    const message = `The upstream sent more than ${maxEventBytes} bytes without a complete event.`;
    if (!this.start_) {
      upstream.pause();
      this.rejectFirst(new UpstreamUnavailableError(message, { code: "upstream_event_too_large" }));
      return;
    }
    this.opts.abortUpstream(new Error("stream event too large"));
    this.fail(streamError(message, "stream_event_too_large"));
  }

  /** Passes output on to whoever takes it; false: the taker is full, pause the upstream. */
  private send(chunk: Buffer | string): boolean {
    this.opts.onOutput?.(chunk);
    if (this.mode === "direct") return this.writeToSink(chunk);
    if (this.mode === "readable") return this.push(chunk);
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    return this.pendingBytes < this.readableHighWaterMark; // held for a reader not there yet, as a Readable would
  }

  /** No more output. */
  private endOutput(): void {
    this.outputEnded = true;
    if (this.mode === "direct") (this.sink as BodySink).end();
    else if (this.mode === "readable") this.push(null);
  }

  private writeToSink(chunk: Buffer | string): boolean {
    if ((this.sink as BodySink).write(chunk)) return true;
    if (!this.awaitingDrain) {
      this.awaitingDrain = true;
      (this.sink as BodySink).once("drain", () => {
        this.awaitingDrain = false;
        if (!this.done && this.start_) this.opts.upstream.resume();
      });
    }
    return false;
  }

  writeTo(sink: BodySink): void {
    if (this.mode !== "undecided") throw new Error("the stream already has a reader");
    this.mode = "direct";
    this.sink = sink;
    let flowing = true;
    for (const chunk of this.pending) flowing = this.writeToSink(chunk);
    this.pending = [];
    if (this.outputEnded) sink.end();
    else if (flowing && !this.done && this.start_) this.opts.upstream.resume();
  }

  override _read(): void {
    if (this.mode === "undecided") {
      this.mode = "readable";
      for (const chunk of this.pending) this.push(chunk);
      this.pending = [];
      if (this.outputEnded) this.push(null);
    }
    if (!this.done && this.start_) this.opts.upstream.resume();
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    this.clearTimers();
    if (!this.done) {
      this.done = true;
      // before start() the attempt is still failing on its own terms (it aborts with its own reason)
      if (this.start_) this.opts.abortUpstream(err ?? new Error("client closed the stream"));
      this.opts.upstream.destroy();
      this.start_?.onEnd({ reason: "client_abort" });
    }
    cb(err);
  }

  /** One timer per stream, pushed forward on every output (`refresh` re-arms it without allocating a new one). */
  private armIdle(): void {
    if (this.idleTimer) {
      this.idleTimer.refresh();
      return;
    }
    this.idleTimer = setTimeout(() => {
      this.opts.abortUpstream(new Error("stream idle timeout"));
      this.fail(streamError(`The upstream stream stalled for ${this.opts.idleTimeoutMs} ms.`, "stream_stalled"));
    }, this.opts.idleTimeoutMs);
    this.idleTimer.unref?.();
  }

  private clearTimers(): void {
    clearTimeout(this.idleTimer);
    clearTimeout(this.deadlineTimer);
  }

  private failInterrupted(): void {
    this.fail(streamError("The upstream connection failed mid-stream.", "stream_interrupted"));
  }

  private finishFromUpstream(): void {
    if (this.done || this.judging) return;
    const tail = this.opts.translator.end();
    if (!this.opts.translator.finished) {
      // a half-written final event is dropped: the client gets a clean error event instead
      this.fail(streamError("The upstream ended the stream before it was complete.", "stream_truncated"));
      return;
    }
    const { filter } = this.opts;
    if (filter) {
      this.judging = true;
      // the upstream is done: no idle limit while the filter judges (its checks have their own timeouts)
      clearTimeout(this.idleTimer);
      filter.end(tail).then(
        (end) => {
          if ("error" in end) this.fail(end.error, FILTER_DENY_STATUS);
          else this.complete(end.tail);
        },
        () => this.fail(streamError("The answer could not be judged by the guardrails.", "guardrail_error")),
      );
      return;
    }
    this.complete(tail);
  }

  private complete(tail: Buffer | string): void {
    if (this.done) return;
    if (tail.length) this.send(tail);
    this.done = true;
    this.clearTimers();
    this.endOutput();
    this.start_?.onEnd({ reason: "complete" });
  }

  private fail(error: ErrorBody, status?: number): void {
    if (this.done) return;
    this.done = true;
    this.clearTimers();
    this.opts.upstream.destroy();
    const { translator } = this.opts;
    this.send(translator.errorEvent ? translator.errorEvent(error) : streamErrorEvent(error, this.opts.api));
    this.endOutput();
    this.start_?.onEnd(status === undefined ? { reason: "error", error } : { reason: "error", error, status });
  }
}
