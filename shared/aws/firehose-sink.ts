import type { FirehoseClient, FirehoseClientConfig } from "@aws-sdk/client-firehose";
import type { LogSink, UndeliveredHandler } from "../logging/log-sink";
import { toNdjsonBytes } from "../logging/log-sink";
import type { LogRow } from "../logging/record";

/** Firehose PutRecordBatch limits. */
export const FIREHOSE_MAX_RECORDS_PER_CALL = 500;
export const FIREHOSE_MAX_BYTES_PER_CALL = 4 * 1024 * 1024;
export const FIREHOSE_MAX_RECORD_BYTES = 1000 * 1024;

export interface RecordFailure {
  readonly index: number;
  readonly code: string;
  readonly message: string;
}

type FirehoseSdk = typeof import("@aws-sdk/client-firehose");

/** The one call the sink needs; `firehosePort` implements it with the AWS SDK, tests with a fake. */
export interface PutRecordBatchPort {
  putRecordBatch(records: readonly Uint8Array[]): Promise<{ failures: readonly RecordFailure[] }>;
}

/**
 * `PutRecordBatchPort` on Firehose. The SDK module is loaded and the client created at the first call (the first
 * flush, after the first response), not at cold start: a Lambda's first answer does not wait for them.
 */
export function firehosePort(streamName: string, clientConfig: FirehoseClientConfig = {}): PutRecordBatchPort {
  let sdk: Promise<{ client: FirehoseClient; PutRecordBatchCommand: FirehoseSdk["PutRecordBatchCommand"] }> | undefined;
  return {
    putRecordBatch: async function putRecordBatch(records) {
      sdk ??= import("@aws-sdk/client-firehose").then(({ FirehoseClient, PutRecordBatchCommand }) => ({
        client: new FirehoseClient(clientConfig),
        PutRecordBatchCommand,
      }));
      const { client, PutRecordBatchCommand } = await sdk;
      const out = await client.send(
        new PutRecordBatchCommand({
          DeliveryStreamName: streamName,
          Records: records.map((data) => ({ Data: data })),
        }),
      );
      const failures: RecordFailure[] = [];
      if ((out.FailedPutCount ?? 0) > 0) {
        (out.RequestResponses ?? []).forEach((entry, index) => {
          if (entry.ErrorCode) failures.push({ index, code: entry.ErrorCode, message: entry.ErrorMessage ?? "" });
        });
      }
      return { failures };
    },
  };
}

export interface FirehoseSinkOptions {
  port: PutRecordBatchPort;
  /** Receives every row the sink gave up on (after retries, or too large to send). Required: nothing is dropped. */
  onUndelivered: UndeliveredHandler;
  /** Retries of failed entries/calls after the first try; default 3. */
  maxRetries?: number;
  /** First backoff step; doubles per retry with full jitter, capped at 2 s. Default 100 ms. */
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Queue length that starts a background flush without waiting for `flush()`; default 500. */
  autoFlushRows?: number;
}

interface Entry {
  readonly row: LogRow;
  readonly data: Uint8Array;
}

/** Errors that will not go away by retrying the same call. */
const PERMANENT_ERRORS = new Set([
  "ResourceNotFoundException",
  "InvalidArgumentException",
  "AccessDeniedException",
  "ValidationException",
  "InvalidKMSResourceException",
]);

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : "UnknownError";
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Splits entries into PutRecordBatch calls of at most 500 records and 4 MiB. */
export function toBatches<T extends { data: Uint8Array }>(entries: readonly T[]): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entry.data.byteLength;
    if (
      current.length === FIREHOSE_MAX_RECORDS_PER_CALL ||
      (current.length > 0 && bytes + size > FIREHOSE_MAX_BYTES_PER_CALL)
    ) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * Buffers rows for the current invocation and sends them with PutRecordBatch on `flush()` (one JSON document per
 * Firehose record, newline-terminated so S3 objects are NDJSON). Failed entries (FailedPutCount / per-record
 * ErrorCode) and failed calls are retried with exponential backoff up to `maxRetries` times; what still fails goes
 * to `onUndelivered`. `flush()` never rejects, so it can never break a response.
 */
export function createFirehoseSink(options: FirehoseSinkOptions): LogSink {
  const maxRetries = options.maxRetries ?? 3;
  const baseDelayMs = options.baseDelayMs ?? 100;
  const sleep = options.sleep ?? defaultSleep;
  const autoFlushRows = options.autoFlushRows ?? FIREHOSE_MAX_RECORDS_PER_CALL;
  let queue: LogRow[] = [];
  let inFlight: Promise<void> = Promise.resolve();
  let closed = false;

  /** The callback is the last line of defence: a throwing callback must not turn into an unhandled rejection. */
  function report(failure: Parameters<UndeliveredHandler>[0]): void {
    try {
      options.onUndelivered(failure);
    } catch {
      // nothing further can be done with these rows
    }
  }

  function backoff(attempt: number): number {
    const ceiling = Math.min(baseDelayMs * 2 ** attempt, 2000);
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  async function sendBatch(batch: Entry[]): Promise<void> {
    let pending = batch;
    let reason = "";
    let cause: unknown;
    for (let attempt = 0; attempt <= maxRetries; attempt++) {
      try {
        const { failures } = await options.port.putRecordBatch(pending.map((e) => e.data));
        if (failures.length === 0) return;
        pending = failures.map((f) => pending[f.index]).filter((e): e is Entry => e !== undefined);
        reason = `PutRecordBatch failed for ${pending.length} record(s): ${[...new Set(failures.map((f) => f.code))].join(", ")}`;
        cause = undefined;
      } catch (err) {
        reason = `PutRecordBatch call failed: ${errorName(err)}`;
        cause = err;
        if (PERMANENT_ERRORS.has(errorName(err))) break;
      }
      if (attempt < maxRetries) await sleep(backoff(attempt));
    }
    report({ rows: pending.map((e) => e.row), reason, cause });
  }

  async function drain(rows: LogRow[]): Promise<void> {
    const entries: Entry[] = [];
    const oversized: LogRow[] = [];
    for (const row of rows) {
      const data = toNdjsonBytes(row);
      if (data.byteLength > FIREHOSE_MAX_RECORD_BYTES) oversized.push(row);
      else entries.push({ row, data });
    }
    if (oversized.length > 0) {
      report({ rows: oversized, reason: `record larger than ${FIREHOSE_MAX_RECORD_BYTES} bytes` });
    }
    for (const batch of toBatches(entries)) await sendBatch(batch);
  }

  function startDrain(): Promise<void> {
    const rows = queue;
    queue = [];
    inFlight = inFlight.then(function drainQueued() {
      return rows.length === 0 ? undefined : drain(rows);
    });
    inFlight = inFlight.catch(function reportUnexpected(err: unknown) {
      report({ rows, reason: "unexpected sink failure", cause: err });
    });
    return inFlight;
  }

  return {
    enqueue: function enqueueForFirehose(row) {
      if (closed) {
        report({ rows: [row], reason: "sink is closed" });
        return;
      }
      queue.push(row);
      if (queue.length >= autoFlushRows) void startDrain();
    },
    flush: function flushToFirehose() {
      return startDrain();
    },
    close: async function closeFirehoseSink() {
      await startDrain();
      closed = true;
    },
  };
}
