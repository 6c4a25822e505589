import type { z } from "zod";
import type { CACHE_STATUSES } from "./log-columns";
import type { feedbackRecordSchema, requestLogRecordSchema } from "./record-schema";

/**
 * The request-log record: exactly one per client request (successes, failures, retries, fallbacks, cache hits and
 * client disconnects included), written as one JSON line to Firehose -> S3 (`logs/dt=YYYY-MM-DD/`) or, locally, to
 * NDJSON files under the data directory. The types are the outputs of the schemas derived from the column table
 * (`log-columns.ts`), so a column is declared once.
 */
export type { RecordKind } from "./log-columns";
export { LOG_SCHEMA_VERSION } from "./schema-version";

export type CacheStatus = (typeof CACHE_STATUSES)[number];

export type RequestLogRecord = z.output<typeof requestLogRecordSchema>;
export type FeedbackRecord = z.output<typeof feedbackRecordSchema>;
export type LogRow = RequestLogRecord | FeedbackRecord;

export type AttemptRecord = RequestLogRecord["attempts"][number];
export type GuardrailRecord = RequestLogRecord["guardrails"][number];
export type BudgetSettlementRecord = NonNullable<RequestLogRecord["budget_settlements"]>[number];
