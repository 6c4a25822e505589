import { Readable } from "node:stream";
import type { UpstreamBodyStream } from "../http/upstream-body";

export interface ByteStreamEnd {
  /** "complete": the upstream ended cleanly; "error": it failed, stalled or hit the deadline; "client_abort". */
  readonly reason: "complete" | "error" | "client_abort";
  /** Bytes passed to the client. */
  readonly bytes: number;
  /** Why it failed (`stream_interrupted`, `stream_stalled`, `request_deadline_exceeded`). */
  readonly code?: string;
}

export interface ByteStreamOptions {
  readonly upstream: UpstreamBodyStream;
  /** Abort the upstream request (client went away, a stall, the deadline). */
  readonly abortUpstream: (reason: unknown) => void;
  /** Milliseconds without a byte from the upstream after which the body is cut. */
  readonly idleTimeoutMs: number;
  /** Milliseconds until the request's deadline, where the body is cut; undefined: none. */
  readonly deadlineInMs?: number;
  readonly onEnd: (end: ByteStreamEnd) => void;
}

/**
 * An upstream body passed to the client as it comes (a file's content, a catch-all answer): nothing is read whole
 * or translated, backpressure holds the upstream, and bytes are counted for the log. A failure cannot be written
 * into a binary body, so it destroys the stream: the client sees the connection end without the body's proper end
 * (chunked encoding's last chunk), never a silently short file.
 */
export class ByteStream extends Readable {
  private bytes = 0;
  private done = false;
  private readonly idleTimer: NodeJS.Timeout;
  private readonly deadlineTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: ByteStreamOptions) {
    super();
    const { upstream } = opts;
    this.idleTimer = setTimeout(() => this.fail("stream_stalled"), opts.idleTimeoutMs);
    this.idleTimer.unref?.();
    if (opts.deadlineInMs !== undefined) {
      this.deadlineTimer = setTimeout(() => this.fail("request_deadline_exceeded"), opts.deadlineInMs);
      this.deadlineTimer.unref?.();
    }
    upstream.on("data", (chunk: Buffer) => {
      this.bytes += chunk.length;
      this.idleTimer.refresh();
      if (!this.push(chunk)) upstream.pause();
    });
    upstream.once("end", () => {
      if (this.done) return;
      this.done = true;
      this.clearTimers();
      this.push(null);
      opts.onEnd({ reason: "complete", bytes: this.bytes });
    });
    upstream.once("error", () => this.fail("stream_interrupted"));
  }

  override _read(): void {
    if (!this.done) this.opts.upstream.resume();
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    if (!this.done) {
      this.done = true;
      this.clearTimers();
      this.opts.abortUpstream(err ?? new Error("client closed the stream"));
      this.opts.upstream.destroy();
      this.opts.onEnd({ reason: "client_abort", bytes: this.bytes });
    }
    cb(err);
  }

  private fail(code: string): void {
    if (this.done) return;
    this.done = true;
    this.clearTimers();
    this.opts.abortUpstream(new Error(code));
    this.opts.upstream.destroy();
    this.opts.onEnd({ reason: "error", bytes: this.bytes, code });
    this.destroy(new Error(`The upstream body ended early (${code}).`));
  }

  private clearTimers(): void {
    clearTimeout(this.idleTimer);
    clearTimeout(this.deadlineTimer);
  }
}
