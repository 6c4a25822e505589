import type { Metrics } from "@aws-lambda-powertools/metrics";
import type { LogSink } from "./log-sink";
import type { LogRow, RequestLogRecord } from "./record";

type Publish = (record: RequestLogRecord) => void;

/**
 * A log sink that also turns each request record into CloudWatch EMF metrics - at flush time, after the response
 * has gone out, so the EMF lines never sit on the hot path. `metrics` may be a loader: Powertools Metrics and the
 * publisher then load with the first flush that has records, not at cold start (ADR 0044); a failed load is tried
 * again by the next flush, and the rows are flushed either way.
 */
export function withRequestMetrics(sink: LogSink, metrics: Metrics | (() => Promise<Metrics>)): LogSink {
  let pending: RequestLogRecord[] = [];
  let publisher: Promise<Publish> | undefined;
  function loadPublisher(): Promise<Publish> {
    publisher ??= Promise.all([typeof metrics === "function" ? metrics() : metrics, import("./metrics")]).then(
      ([loaded, code]): Publish =>
        (record) =>
          code.publishRequestMetrics(loaded, record),
      (err: unknown) => {
        publisher = undefined;
        throw err;
      },
    );
    return publisher;
  }
  return {
    enqueue(row: LogRow): void {
      sink.enqueue(row);
      if (row.kind === "request") pending.push(row as RequestLogRecord);
    },
    async flush(): Promise<void> {
      const records = pending;
      pending = [];
      try {
        if (records.length) {
          const publish = await loadPublisher();
          for (const record of records) publish(record);
        }
      } finally {
        await sink.flush();
      }
    },
    async close(): Promise<void> {
      await this.flush();
      await sink.close();
    },
  };
}
