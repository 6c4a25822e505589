import { timeOfUuidV7 } from "../logging/ids";
import type { SqlDialect } from "./dialect";
import type { AnalyticsFilters } from "./filters";
import { Conditions, partitionRange, type QueryScope, requestConditions, type SqlQuery } from "./where";

/** Log search, log detail and feedback lookups (same rules as query-builder.ts: workspace bound, `?` only). */
function checkedLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new RangeError("limit must be in [1, 500]");
  return limit;
}

/** Columns of a log list entry (bodies and nested arrays are left to the detail view). */
function listColumns(dialect: SqlDialect): string {
  return [
    "id",
    "workspace_id",
    "trace_id",
    "ts",
    "api_key_id",
    "method",
    "endpoint",
    "provider",
    "model_requested",
    "model_served",
    "virtual_key",
    "config_id",
    "strategy",
    "status",
    "error_type",
    "retry_count",
    "latency_ms",
    "ttft_ms",
    "prompt_tokens",
    "completion_tokens",
    "cached_tokens",
    "reasoning_tokens",
    "total_tokens",
    "cost_usd",
    "usage_anomaly",
    "prompt_id",
    "prompt_version",
    "cache_status",
    "user",
    "stream",
    `${dialect.toJson("metadata")} AS metadata_json`,
  ].join(", ");
}

export interface LogCursor {
  ts: string;
  id: string;
}

/**
 * Newest first, keyset-paginated on (ts, id): stable under concurrent inserts, no OFFSET scans. Fetches `limit + 1`
 * rows so the caller knows whether another page exists.
 */
export function logSearchQuery(
  dialect: SqlDialect,
  scope: QueryScope,
  filters: AnalyticsFilters,
  limit: number,
  cursor?: LogCursor,
): SqlQuery {
  const where = requestConditions(dialect, scope, filters);
  if (cursor) where.add("(ts < ? OR (ts = ? AND id < ?))", cursor.ts, cursor.ts, cursor.id);
  const sql = `SELECT ${listColumns(dialect)}
FROM ${dialect.source}
WHERE ${where.toSql()}
ORDER BY ts DESC, id DESC
LIMIT ${checkedLimit(limit) + 1}`;
  return { sql, params: where.params };
}

/** One request row with everything; `around` (epoch ms, e.g. from a UUIDv7 id) narrows the partitions read. */
export function logDetailQuery(dialect: SqlDialect, scope: QueryScope, id: string, around?: number): SqlQuery {
  const where = new Conditions().inScope(scope).add("kind = 'request'").add("id = ?", id);
  if (around !== undefined) {
    const iso = new Date(around).toISOString();
    const [dtFrom, dtTo] = partitionRange(iso, iso);
    where.add("dt BETWEEN ? AND ?", dtFrom, dtTo);
  }
  const sql = `SELECT ${listColumns(dialect)}, error_message, upstream_latency_ms, budget_reserved_usd,
  last_used_option_index, client_disconnected, request_body, response_body, request_body_truncated,
  response_body_truncated, ${dialect.toJson("attempts")} AS attempts_json, ${dialect.toJson("guardrails")} AS guardrails_json,
  budget_outcome, budget_settled_usd, budget_settled_tokens, budget_alert_crossed,
  ${dialect.toJson("budget_settlements")} AS budget_settlements_json
FROM ${dialect.source}
WHERE ${where.toSql()}
ORDER BY ts DESC
LIMIT 1`;
  return { sql, params: where.params };
}

/** Feedback rows of one trace, newest first; `sinceIso` (the request's ts) prunes partitions before it. */
export function feedbackForTraceQuery(
  dialect: SqlDialect,
  scope: QueryScope,
  traceId: string,
  sinceIso?: string,
): SqlQuery {
  const where = new Conditions().inScope(scope).add("kind = 'feedback'").add("trace_id = ?", traceId);
  if (sinceIso !== undefined) where.add("dt >= ?", sinceIso.slice(0, 10));
  const sql = `SELECT id, ts, feedback_value, feedback_weight, ${dialect.toJson("metadata")} AS metadata_json
FROM ${dialect.source}
WHERE ${where.toSql()}
ORDER BY ts DESC, id DESC
LIMIT 100`;
  return { sql, params: where.params };
}

/** The latest version of one feedback row (for updates); a v7 id prunes the partitions before its day. */
export function feedbackByIdQuery(dialect: SqlDialect, scope: QueryScope, feedbackId: string): SqlQuery {
  const where = new Conditions().inScope(scope).add("kind = 'feedback'").add("id = ?", feedbackId);
  const created = timeOfUuidV7(feedbackId);
  if (created !== null) where.add("dt >= ?", new Date(created).toISOString().slice(0, 10));
  const sql = `SELECT id, workspace_id, trace_id, ts, feedback_value, feedback_weight, ${dialect.toJson("metadata")} AS metadata_json
FROM ${dialect.source}
WHERE ${where.toSql()}
ORDER BY ts DESC
LIMIT 1`;
  return { sql, params: where.params };
}
