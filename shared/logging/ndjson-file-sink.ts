import { appendFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { LogSink, UndeliveredHandler } from "./log-sink";
import { toNdjsonLine } from "./log-sink";
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

/** `dt` partition of a row: the UTC date of its `ts` (request start). */
export function partitionOf(row: LogRow): string {
  return row.ts.slice(0, 10);
}

/**
 * The local runtime's sink: same NDJSON lines as Firehose writes to S3, same `logs/dt=YYYY-MM-DD/` layout, so DuckDB
 * reads them with the same query builder. Appends are asynchronous and batched (timer, row count, close), and
 * serialised through one promise chain so lines from concurrent flushes never interleave.
 */
export function createNdjsonFileSink(options: NdjsonFileSinkOptions): LogSink {
  const flushRows = options.flushRows ?? 1000;
  const rotateBytes = options.rotateBytes ?? 8 * 1024 * 1024;
  const stem = options.fileStem ?? `${process.pid}-${Date.now().toString(36)}`;
  const logsDir = join(options.dataDir, "logs");
  const files = new Map<string, PartitionFile>();
  const madeDirs = new Set<string>();
  let queue: LogRow[] = [];
  let chain: Promise<void> = Promise.resolve();
  let closed = false;

  function report(failure: Parameters<UndeliveredHandler>[0]): void {
    try {
      options.onUndelivered(failure);
    } catch {
      // nothing further can be done with these rows
    }
  }

  async function writePartition(dt: string, rows: LogRow[]): Promise<void> {
    const dir = join(logsDir, `dt=${dt}`);
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
      let text = "";
      for (const row of rows) text += toNdjsonLine(row);
      await appendFile(join(dir, `${stem}-${file.seq}.ndjson`), text, { mode: 0o600 });
      file.bytes += Buffer.byteLength(text);
    } catch (err) {
      report({ rows, reason: `writing ${dir} failed`, cause: err });
    }
  }

  async function write(rows: LogRow[]): Promise<void> {
    const byPartition = new Map<string, LogRow[]>();
    for (const row of rows) {
      const dt = partitionOf(row);
      const list = byPartition.get(dt);
      if (list) list.push(row);
      else byPartition.set(dt, [row]);
    }
    for (const [dt, list] of byPartition) await writePartition(dt, list);
  }

  function startFlush(): Promise<void> {
    if (queue.length === 0) return chain;
    const rows = queue;
    queue = [];
    chain = chain.then(function writeQueued() {
      return write(rows);
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
      queue.push(row);
      if (queue.length >= flushRows) void startFlush();
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
