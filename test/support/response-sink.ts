import { Writable } from "node:stream";
import type { RecordedPrelude } from "./awslambda-shim";

/** Stands in for Lambda's response stream: records the prelude and every chunk with its arrival time. */
export class ResponseSink extends Writable {
  prelude?: RecordedPrelude;
  readonly chunks: { at: number; data: string }[] = [];
  private readonly started = Date.now();

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (error?: Error | null) => void): void {
    this.chunks.push({ at: Date.now() - this.started, data: chunk.toString("utf8") });
    cb();
  }

  text(): string {
    return this.chunks.map((c) => c.data).join("");
  }
}
