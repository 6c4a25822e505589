import { ndjsonLine } from "./ndjson-line";
import type { LogRow } from "./record";

/** Rows a sink gave up on, handed to the owner's error callback (never dropped silently). */
export interface UndeliveredRows {
  readonly rows: readonly LogRow[];
  readonly reason: string;
  readonly cause?: unknown;
}

export type UndeliveredHandler = (failure: UndeliveredRows) => void;

/**
 * Port: where finished log rows go. `enqueue` is synchronous, cheap and never throws; `flush` delivers what is
 * queued and never rejects (what it cannot deliver goes to the sink's `onUndelivered` callback). The Lambda
 * adapter calls `flush()` once per invocation after the response has been streamed (middy `requestEnd`).
 */
export interface LogSink {
  enqueue(row: LogRow): void;
  flush(): Promise<void>;
  /** Flushes and releases timers/handles. The sink accepts no rows afterwards. */
  close(): Promise<void>;
}

/** In-memory sink for tests and for callers that want to inspect rows. */
export interface MemorySink extends LogSink {
  readonly rows: LogRow[];
}

export function createMemorySink(): MemorySink {
  const rows: LogRow[] = [];
  return {
    rows,
    enqueue: function enqueueInMemory(row) {
      rows.push(row);
    },
    flush: async function flushInMemory() {},
    close: async function closeInMemory() {},
  };
}

/**
 * A row's NDJSON line (newline-terminated), the format both Firehose/S3 and local files use, as UTF-8 bytes
 * (`ndjson-line.ts`: bodies escaped from their bytes when known).
 */
export function toNdjsonBytes(row: LogRow): Buffer {
  const { json, tail } = ndjsonLine(row);
  const bytes = Buffer.allocUnsafe(Buffer.byteLength(json) + tail.length);
  tail.copy(bytes, bytes.write(json));
  return bytes;
}
