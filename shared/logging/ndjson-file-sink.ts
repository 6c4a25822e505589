import { mkdir, open } from "node:fs/promises";
import { join } from "node:path";
import type { LogSink, UndeliveredHandler } from "./log-sink";
import { type LineParts, lineBytes, lineParts, writeLineInPlace } from "./ndjson-line";
import type { LogRow } from "./record";

export interface NdjsonFileSinkOptions {
  /** The runtime's data directory; rows go to `<dataDir>/logs/dt=YYYY-MM-DD/<stem>-<n>.ndjson`. */
  dataDir: string;
  /** Rows that could not be written (I/O errors). Required: nothing is dropped silently. */
  onUndelivered: UndeliveredHandler;
  /** Background flush period; default 1000 ms. */
  flushIntervalMs?: number;
  /** Queue length that triggers an early flush; default 1000. */
  flushRows?: number;
  /** Start a new file once the current one reaches this size; default 8 MiB (keeps re-reads of the open file cheap). */
  rotateBytes?: number;
  /** File name stem unique to this process; default `<pid>-<start time base36>`. */
  fileStem?: string;
}

interface PartitionFile {
  seq: number;
  bytes: number;
}

/** A partition's lines waiting for the next flush: UTF-8 in chunk buffers (outside the JS heap), not row objects. */
interface PendingLines {
  readonly chunks: Buffer[];
  /** The chunk being filled and how much of it is used. */
  current: Buffer;
  used: number;
}

/** Pending lines go into buffers of this size; a longer line gets a buffer of its own size. */
const CHUNK_BYTES = 64 * 1024;
/**
 * Written chunk buffers kept for reuse (up to 8 MiB: a batch of 1000 streamed-answer rows, ~6 KB each, fills ~90),
 * instead of a fresh 64 KiB allocation per chunk. With 16 kept, most of a busy batch's chunks were new memory: the
 * first writes into them page-faulted and the allocations pushed the collector (stream CPU per request ~8 us more).
 */
const SPARE_CHUNKS = 128;

/** Chunk buffers, reused once their bytes are written (the line that needs more than a chunk gets its own buffer). */
class ChunkPool {
  private readonly spare: Buffer[] = [];

  take(bytes: number): Buffer {
    return bytes <= CHUNK_BYTES ? (this.spare.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES)) : Buffer.allocUnsafe(bytes);
  }

  /** Gives back the buffers behind written chunks (each a view from offset 0 of a chunk-sized buffer of ours). */
  release(chunks: readonly Buffer[]): void {
    for (const chunk of chunks) {
      if (this.spare.length >= SPARE_CHUNKS) return;
      if (chunk.byteOffset === 0 && chunk.buffer.byteLength === CHUNK_BYTES) this.spare.push(Buffer.from(chunk.buffer));
    }
  }
}

/** `dt` partition of a row: the UTC date of its `ts` (request start). */
export function partitionOf(row: LogRow): string {
  return row.ts.slice(0, 10);
}

function newPending(pool: ChunkPool): PendingLines {
  return { chunks: [], current: pool.take(CHUNK_BYTES), used: 0 };
}

/**
 * Appends a row's NDJSON line to the partition's pending buffers: written in place when it surely fits the current
 * chunk, else as its JSON text encoded in place and its tail bytes copied after (`ndjson-line.ts`). The text is
 * never joined to the newline: `json + "\n"` is a new two-part string that the encoder copies whole first.
 */
function appendLine(pending: PendingLines, parts: LineParts, pool: ChunkPool): void {
  const end = writeLineInPlace(parts, pending.current, pending.used);
  if (end !== -1) {
    pending.used = end;
    return;
  }
  const { json, tail } = lineBytes(parts);
  // UTF-8 takes at most 3 bytes per UTF-16 unit: a line that surely fits skips measuring its byte length.
  if (pending.current.length - pending.used < json.length * 3 + tail.length) {
    const bytes = Buffer.byteLength(json) + tail.length;
    if (pending.current.length - pending.used < bytes) {
      if (pending.used > 0) pending.chunks.push(pending.current.subarray(0, pending.used));
      pending.current = pool.take(bytes);
      pending.used = 0;
    }
  }
  pending.used += pending.current.write(json, pending.used);
  pending.used += tail.copy(pending.current, pending.used);
}

/** The partition's pending bytes, as written: full chunks and the filled part of the current one (no copy). */
function takeChunks(pending: PendingLines): Buffer[] {
  if (pending.used > 0) pending.chunks.push(pending.current.subarray(0, pending.used));
  return pending.chunks;
}

/** The rows behind pending bytes, for the undelivered report only (a failed write: rare, so parsed back then). */
function rowsOf(chunks: readonly Buffer[]): LogRow[] {
  const rows: LogRow[] = [];
  for (const line of Buffer.concat(chunks).toString("utf8").split("\n")) {
    if (line !== "") rows.push(JSON.parse(line) as LogRow);
  }
  return rows;
}

/**
 * The local runtime's sink: same NDJSON lines as Firehose writes to S3, same `logs/dt=YYYY-MM-DD/` layout, so DuckDB
 * reads them with the same query builder. Each row becomes its line when it is enqueued (the row object dies young;
 * the bytes wait outside the JS heap, so a busy second of rows is neither copied by the young-generation collector
 * nor promoted to the old one: ADR 0042); appends are asynchronous and batched (timer, row count, close), and
 * serialised through one promise chain so lines from concurrent flushes never interleave.
 */
export function createNdjsonFileSink(options: NdjsonFileSinkOptions): LogSink {
  const flushRows = options.flushRows ?? 1000;
  const rotateBytes = options.rotateBytes ?? 8 * 1024 * 1024;
  const stem = options.fileStem ?? `${process.pid}-${Date.now().toString(36)}`;
  const logsDir = join(options.dataDir, "logs");
  const files = new Map<string, PartitionFile>();
  const madeDirs = new Set<string>();
  const pool = new ChunkPool();
  let pending = new Map<string, PendingLines>();
  let queued = 0;
  let chain: Promise<void> = Promise.resolve();
  let closed = false;

  function report(failure: Parameters<UndeliveredHandler>[0]): void {
    try {
      options.onUndelivered(failure);
    } catch {
      // nothing further can be done with these rows
    }
  }

  async function writePartition(dt: string, chunks: readonly Buffer[]): Promise<void> {
    const dir = join(logsDir, `dt=${dt}`);
    let written = 0;
    try {
      if (!madeDirs.has(dir)) {
        await mkdir(dir, { recursive: true, mode: 0o700 }); // bodies are private to the gateway's user
        madeDirs.add(dir);
      }
      let file = files.get(dt);
      if (!file) {
        file = { seq: 0, bytes: 0 };
        files.set(dt, file);
      }
      if (file.bytes >= rotateBytes) {
        file.seq += 1;
        file.bytes = 0;
      }
      // each chunk appended whole (FileHandle.appendFile writes until done), in order, one open file
      const handle = await open(join(dir, `${stem}-${file.seq}.ndjson`), "a", 0o600);
      try {
        for (const chunk of chunks) {
          await handle.appendFile(chunk);
          file.bytes += chunk.length;
          written += 1;
        }
      } finally {
        await handle.close();
      }
    } catch (err) {
      report({ rows: rowsOf(chunks.slice(written)), reason: `writing ${dir} failed`, cause: err });
    }
    pool.release(chunks);
  }

  async function write(batch: Map<string, PendingLines>): Promise<void> {
    for (const [dt, lines] of batch) await writePartition(dt, takeChunks(lines));
  }

  function startFlush(): Promise<void> {
    if (queued === 0) return chain;
    const batch = pending;
    pending = new Map();
    queued = 0;
    chain = chain.then(function writeQueued() {
      return write(batch);
    });
    return chain;
  }

  const timer = setInterval(startFlush, options.flushIntervalMs ?? 1000);
  timer.unref();

  return {
    enqueue: function enqueueForFile(row) {
      if (closed) {
        report({ rows: [row], reason: "sink is closed" });
        return;
      }
      const dt = partitionOf(row);
      let lines = pending.get(dt);
      if (lines === undefined) {
        lines = newPending(pool);
        pending.set(dt, lines);
      }
      appendLine(lines, lineParts(row), pool);
      queued += 1;
      if (queued >= flushRows) void startFlush();
    },
    flush: function flushToFile() {
      return startFlush();
    },
    close: async function closeFileSink() {
      clearInterval(timer);
      await startFlush();
      closed = true;
    },
  };
}
