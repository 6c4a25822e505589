import { Readable } from "node:stream";
import type { ErrorBody } from "../core/errors";
import type { StreamTranslator } from "../providers/types";

export interface StreamEnd {
  /** "complete": the provider finished cleanly; "error": it failed mid-way; "client_abort": the client left. */
  readonly reason: "complete" | "error" | "client_abort";
  readonly error?: ErrorBody;
}

export interface TranslatedStreamOptions {
  readonly upstream: Readable;
  readonly translator: StreamTranslator;
  /** Output already produced from the first upstream chunk(s) (read before the stream was handed out). */
  readonly head: Buffer | string;
  /** Abort the upstream request (client went away, or idle timeout). */
  readonly abortUpstream: (reason: unknown) => void;
  /** Milliseconds without an upstream chunk after which the stream is failed with an SSE error event. */
  readonly idleTimeoutMs: number;
  readonly onEnd: (end: StreamEnd) => void;
  /** Sees every chunk sent to the client (for body logging); must be cheap and must not throw. */
  readonly onOutput?: (chunk: Buffer | string) => void;
}

/** SSE error event the OpenAI SDKs understand (they throw an APIError on `data: {"error":...}`). */
export function sseErrorEvent(body: ErrorBody): string {
  return `data: ${JSON.stringify(body)}\n\n`;
}

function streamError(message: string, code: string): ErrorBody {
  return { error: { message, type: "gateway_upstream_error", param: null, code } };
}

/**
 * The client-facing stream: upstream bytes through a provider translator, with backpressure. Never a silent
 * cut: an upstream failure after the first byte ends the stream with an SSE error event. Destroying this stream
 * (client disconnect) aborts the upstream call.
 */
export class TranslatedStream extends Readable {
  private done = false;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: TranslatedStreamOptions) {
    super();
    if (opts.head.length) this.send(opts.head);
    const { upstream } = opts;
    upstream.on("data", (chunk: Buffer) => {
      this.armIdle();
      const out = opts.translator.push(chunk);
      if (out.length && !this.send(out)) upstream.pause();
    });
    // A body that arrived whole (one read, then EOF) has already emitted `end` while the first chunk was read.
    if (upstream.readableEnded) queueMicrotask(() => this.finishFromUpstream());
    else upstream.once("end", () => this.finishFromUpstream());
    upstream.once("error", () =>
      this.fail(streamError("The upstream connection failed mid-stream.", "stream_interrupted")),
    );
    this.armIdle();
  }

  private send(chunk: Buffer | string): boolean {
    this.opts.onOutput?.(chunk);
    return this.push(chunk);
  }

  override _read(): void {
    if (!this.done) this.opts.upstream.resume();
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    clearTimeout(this.idleTimer);
    if (!this.done) {
      this.done = true;
      this.opts.abortUpstream(err ?? new Error("client closed the stream"));
      this.opts.upstream.destroy();
      this.opts.onEnd({ reason: "client_abort" });
    }
    cb(err);
  }

  /** One timer per stream, pushed forward on every chunk (`refresh` re-arms it without allocating a new one). */
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

  private finishFromUpstream(): void {
    if (this.done) return;
    const tail = this.opts.translator.end();
    if (!this.opts.translator.finished) {
      // a half-written final event is dropped: the client gets a clean error event instead
      this.fail(streamError("The upstream ended the stream before it was complete.", "stream_truncated"));
      return;
    }
    if (tail.length) this.send(tail);
    this.done = true;
    clearTimeout(this.idleTimer);
    this.push(null);
    this.opts.onEnd({ reason: "complete" });
  }

  private fail(error: ErrorBody): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.idleTimer);
    this.opts.upstream.destroy();
    this.send(sseErrorEvent(error));
    this.push(null);
    this.opts.onEnd({ reason: "error", error });
  }
}
