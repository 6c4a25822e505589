import type { Metrics } from "@aws-lambda-powertools/metrics";
import type { LogSink } from "./log-sink";
import { publishRequestMetrics } from "./metrics";
import type { LogRow, RequestLogRecord } from "./record";

/**
 * A log sink that also turns each request record into CloudWatch EMF metrics - at flush time, after the response
 * has gone out, so the EMF lines never sit on the hot path.
 */
export function withRequestMetrics(sink: LogSink, metrics: Metrics): LogSink {
  let pending: RequestLogRecord[] = [];
  return {
    enqueue(row: LogRow): void {
      sink.enqueue(row);
      if (row.kind === "request") pending.push(row as RequestLogRecord);
    },
    async flush(): Promise<void> {
      const records = pending;
      pending = [];
      for (const record of records) publishRequestMetrics(metrics, record);
      await sink.flush();
    },
    async close(): Promise<void> {
      await this.flush();
      await sink.close();
    },
  };
}
