import { uuidV7 } from "../logging/ids";
import type { LogSink } from "../logging/log-sink";
import { DEFAULT_RECORD_OPTIONS, type RecordOptions, toRecord } from "../logging/record-builder";
import type { RequestObserver, RequestSummary } from "../logging/request-summary";

export interface LoggingObserverOptions extends Partial<RecordOptions> {
  readonly sink: LogSink;
}

/**
 * Turns the core's one-per-request summary into one log record (shared/logging): the record is built after the
 * fact from the summary's own timings, so the hot path pays for nothing until the request is over.
 */
export function createLoggingObserver(options: LoggingObserverOptions): RequestObserver {
  const { sink, ...overrides } = options;
  const recordOptions: RecordOptions = { ...DEFAULT_RECORD_OPTIONS, ...overrides };
  return {
    finish(summary: RequestSummary): void {
      sink.enqueue(toRecord(summary, { id: uuidV7(summary.startedAt) }, recordOptions));
    },
  };
}
