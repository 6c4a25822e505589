import type { SqlDialect } from "./dialect";
import type { AnalyticsFilters } from "./filters";
import { MODEL_EXPR, type QueryScope, requestConditions, rowsInRange, type SqlQuery } from "./where";

/**
 * One query builder, two dialects (ADR 0006). Every statement starts from `requestConditions` (workspace always
 * bound), user values travel only as `?` parameters, and the only values rendered into SQL text are the builder's
 * own constants and integers it validated (page sizes, offsets, bucket widths, percentile fractions).
 */
export type Granularity = "minute" | "hour" | "day" | "month";

/** Bucket = prefix of the ISO timestamp: identical on both engines and cheaper than parsing timestamps. */
const BUCKET_WIDTH: Record<Granularity, number> = { minute: 16, hour: 13, day: 10, month: 7 };

export type SeriesMetric = "requests" | "errors" | "cost" | "latency" | "tokens" | "cache" | "users" | "rescued";

const HIT = "cache_status IN ('hit', 'semantic_hit')";

function metricColumns(dialect: SqlDialect, metric: SeriesMetric): string[] {
  switch (metric) {
    case "requests":
      return ["count(*) AS requests"];
    case "errors":
      return ["count(*) AS requests", "sum(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errors"];
    case "cost":
      return ["count(*) AS requests", "sum(cost_usd) AS cost_usd", "count(cost_usd) AS priced_requests"];
    case "latency":
      return [
        "avg(latency_ms) AS avg_latency_ms",
        `${dialect.percentile("latency_ms", 0.5)} AS p50_latency_ms`,
        `${dialect.percentile("latency_ms", 0.9)} AS p90_latency_ms`,
        `${dialect.percentile("latency_ms", 0.99)} AS p99_latency_ms`,
      ];
    case "tokens":
      return [
        "count(*) AS requests",
        "sum(prompt_tokens) AS prompt_tokens",
        "sum(completion_tokens) AS completion_tokens",
        "sum(total_tokens) AS total_tokens",
      ];
    case "cache":
      return [
        "count(*) AS requests",
        `sum(CASE WHEN ${HIT} THEN 1 ELSE 0 END) AS cache_hits`,
        "sum(CASE WHEN cache_status IN ('miss', 'semantic_miss', 'refresh') THEN 1 ELSE 0 END) AS cache_misses",
        `avg(CASE WHEN ${HIT} THEN latency_ms END) AS cache_hit_avg_latency_ms`,
      ];
    case "users":
      return ["count(*) AS requests", "count(DISTINCT user) AS unique_users"];
    case "rescued":
      return [
        "count(*) AS requests",
        `sum(CASE WHEN status < 400 AND ${dialect.arrayLength("attempts")} > 1 THEN 1 ELSE 0 END) AS rescued`,
      ];
  }
}

function selectList(dialect: SqlDialect, metrics: readonly SeriesMetric[]): string {
  const seen = new Set<string>();
  for (const metric of metrics) for (const column of metricColumns(dialect, metric)) seen.add(column);
  return [...seen].join(",\n  ");
}

/** Time series: one row per bucket (`bucket` = ISO prefix), columns per requested metric. */
export function timeSeriesQuery(
  dialect: SqlDialect,
  scope: QueryScope,
  filters: AnalyticsFilters,
  granularity: Granularity,
  metrics: readonly SeriesMetric[],
): SqlQuery {
  const where = requestConditions(dialect, scope, filters);
  const width = BUCKET_WIDTH[granularity];
  const sql = `SELECT substr(ts, 1, ${width}) AS bucket,
  ${selectList(dialect, metrics)}
FROM ${dialect.source}
WHERE ${where.toSql()}
GROUP BY 1
ORDER BY 1`;
  return { sql, params: where.params };
}

/** The same metrics over the whole range (one row). */
export function summaryQuery(
  dialect: SqlDialect,
  scope: QueryScope,
  filters: AnalyticsFilters,
  metrics: readonly SeriesMetric[],
): SqlQuery {
  const where = requestConditions(dialect, scope, filters);
  const sql = `SELECT ${selectList(dialect, metrics)}
FROM ${dialect.source}
WHERE ${where.toSql()}`;
  return { sql, params: where.params };
}

/** Requests per bucket and status code (errors only unless `allStatuses`). */
export function statusCodeSeriesQuery(
  dialect: SqlDialect,
  scope: QueryScope,
  filters: AnalyticsFilters,
  granularity: Granularity,
  allStatuses = false,
): SqlQuery {
  const where = requestConditions(dialect, scope, filters);
  if (!allStatuses) where.add("status >= 400");
  const sql = `SELECT substr(ts, 1, ${BUCKET_WIDTH[granularity]}) AS bucket, status, count(*) AS requests
FROM ${dialect.source}
WHERE ${where.toSql()}
GROUP BY 1, 2
ORDER BY 1, 2`;
  return { sql, params: where.params };
}

export type GroupDimension =
  | "model"
  | "provider"
  | "user"
  | "api_key"
  | "config"
  | "prompt"
  | "virtual_key"
  | "status_code"
  | "workspace"
  | "metadata";

const GROUP_KEY: Record<Exclude<GroupDimension, "metadata">, string> = {
  model: MODEL_EXPR,
  provider: "provider",
  user: "user",
  api_key: "api_key_id",
  config: "config_id",
  // the prompt version that answered: `pp-...@2` (null for requests that are not prompt completions)
  prompt: "prompt_id || '@' || CAST(prompt_version AS VARCHAR)",
  virtual_key: "virtual_key",
  status_code: "CAST(status AS VARCHAR)",
  workspace: "workspace_id",
};

export interface Page {
  /** 1..500 */
  size: number;
  /** 1-based */
  current: number;
}

function checkedInt(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}]`);
  }
  return value;
}

/** Grouped metrics (top groups by requests), with the total group count on every row. */
export function groupQuery(
  dialect: SqlDialect,
  scope: QueryScope,
  filters: AnalyticsFilters,
  dimension: GroupDimension,
  page: Page,
  metadataKey?: string,
): SqlQuery {
  const where = requestConditions(dialect, scope, filters);
  let key: string;
  let join = "";
  const selectParams: string[] = [];
  if (dimension === "metadata") {
    if (metadataKey === undefined) throw new RangeError("metadata grouping needs a key");
    const group = dialect.metadataGroup("m");
    if (group.kind === "param") {
      key = group.value;
      selectParams.push(metadataKey);
      where.add(`${group.value} IS NOT NULL`, metadataKey);
    } else {
      join = ` ${group.join}`;
      key = group.value;
      where.add(`${group.key} = ?`, metadataKey);
    }
  } else {
    key = GROUP_KEY[dimension];
  }
  const size = checkedInt("page size", page.size, 1, 500);
  const offset = (checkedInt("current page", page.current, 1, 100_000) - 1) * size;
  const sql = `SELECT ${key} AS group_key,
  count(*) AS requests,
  sum(cost_usd) AS cost_usd,
  sum(total_tokens) AS total_tokens,
  avg(total_tokens) AS avg_tokens,
  avg(prompt_tokens) AS avg_input_tokens,
  avg(completion_tokens) AS avg_output_tokens,
  avg(latency_ms) AS avg_latency_ms,
  ${dialect.percentile("latency_ms", 0.95)} AS p95_latency_ms,
  ${dialect.percentile("latency_ms", 0.99)} AS p99_latency_ms,
  sum(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errors,
  sum(CASE WHEN ${HIT} THEN 1 ELSE 0 END) AS cache_hits,
  min(ts) AS first_seen,
  max(ts) AS last_seen,
  count(*) OVER () AS total_groups
FROM ${dialect.source}${join}
WHERE ${where.toSql()}
GROUP BY 1
ORDER BY requests DESC, group_key
OFFSET ${offset} LIMIT ${size}`;
  return { sql, params: [...selectParams, ...where.params] };
}

/** Feedback count and mean value / weighted value per bucket (feedback rows, not requests). */
export function feedbackSeriesQuery(
  dialect: SqlDialect,
  scope: QueryScope,
  filters: AnalyticsFilters,
  granularity: Granularity,
): SqlQuery {
  const where = rowsInRange(scope, "feedback", filters);
  const sql = `SELECT substr(ts, 1, ${BUCKET_WIDTH[granularity]}) AS bucket,
  count(*) AS feedbacks,
  avg(feedback_value) AS avg_value,
  avg(feedback_value * feedback_weight) AS avg_weighted_value
FROM ${dialect.source}
WHERE ${where.toSql()}
GROUP BY 1
ORDER BY 1`;
  return { sql, params: where.params };
}
