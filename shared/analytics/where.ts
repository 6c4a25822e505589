import type { SqlDialect } from "./dialect";
import type { AnalyticsFilters } from "./filters";

export type SqlParam = string | number;

export interface SqlQuery {
  readonly sql: string;
  readonly params: readonly SqlParam[];
}

/**
 * Whose rows a query reads, decided from the authenticated principal: a workspace key reads its own workspace; the
 * root key reads every workspace (`undefined`) or the one it names. Never taken from the query string alone.
 */
export interface QueryScope {
  readonly workspaceId: string | undefined;
}

/** Accumulates `AND`-ed conditions and their parameters in placeholder order. */
export class Conditions {
  readonly parts: string[] = [];
  readonly params: SqlParam[] = [];

  add(sql: string, ...params: SqlParam[]): this {
    this.parts.push(sql);
    this.params.push(...params);
    return this;
  }

  addIn(column: string, values: readonly SqlParam[] | undefined): this {
    if (!values || values.length === 0) return this;
    return this.add(`${column} IN (${values.map(() => "?").join(", ")})`, ...values);
  }

  /** `workspace_id = ?` for a workspace scope; nothing for the root key's every-workspace scope. */
  inScope(scope: QueryScope): this {
    return scope.workspaceId === undefined ? this : this.add("workspace_id = ?", scope.workspaceId);
  }

  toSql(): string {
    return this.parts.join("\n  AND ");
  }
}

const DAY_MS = 86_400_000;

/** `dt` bounds for partition pruning: Firehose files a row under its arrival day, at most a day after `ts`. */
export function partitionRange(fromIso: string, toIso: string): [string, string] {
  const upper = new Date(Date.parse(toIso) + DAY_MS).toISOString().slice(0, 10);
  return [fromIso.slice(0, 10), upper];
}

export const MODEL_EXPR = "coalesce(model_served, model_requested)";

/** Rows of one kind in the query's scope and time range (`dt` for partition pruning, then `ts`). */
export function rowsInRange(scope: QueryScope, kind: "request" | "feedback", f: AnalyticsFilters): Conditions {
  const [dtFrom, dtTo] = partitionRange(f.from, f.to);
  return new Conditions()
    .inScope(scope)
    .add(`kind = '${kind}'`)
    .add("dt BETWEEN ? AND ?", dtFrom, dtTo)
    .add("ts >= ?", f.from)
    .add("ts <= ?", f.to);
}

/**
 * The WHERE clause every request-row query starts with: workspace (always), row kind, partition range and time
 * range, then the optional filters. Only `?` placeholders carry values.
 */
export function requestConditions(dialect: SqlDialect, scope: QueryScope, f: AnalyticsFilters): Conditions {
  const c = rowsInRange(scope, "request", f);
  c.addIn(MODEL_EXPR, f.models)
    .addIn("provider", f.providers)
    .addIn("status", f.statusCodes)
    .addIn("virtual_key", f.virtualKeys)
    .addIn("config_id", f.configs)
    .addIn("api_key_id", f.apiKeyIds)
    .addIn("trace_id", f.traceIds)
    .addIn("user", f.users)
    .addIn("cache_status", f.cacheStatuses);
  if (f.providerModels && f.providerModels.length > 0) {
    const pairs = f.providerModels.map(() => `(provider = ? AND ${MODEL_EXPR} = ?)`).join(" OR ");
    c.add(`(${pairs})`, ...f.providerModels.flatMap((p) => [p.provider, p.model]));
  }
  for (const [key, value] of Object.entries(f.metadata ?? {})) {
    c.add(`${dialect.metadataValueByParam()} = ?`, key, value);
  }
  if (f.search !== undefined) {
    const anyValue = dialect.metadataHasValueByParam();
    c.add(
      `(trace_id = ? OR model_requested = ? OR model_served = ? OR ${anyValue})`,
      f.search,
      f.search,
      f.search,
      f.search,
    );
  }
  if (f.costMinUsd !== undefined) c.add("cost_usd >= ?", f.costMinUsd);
  if (f.costMaxUsd !== undefined) c.add("cost_usd <= ?", f.costMaxUsd);
  if (f.promptTokensMin !== undefined) c.add("prompt_tokens >= ?", f.promptTokensMin);
  if (f.promptTokensMax !== undefined) c.add("prompt_tokens <= ?", f.promptTokensMax);
  if (f.completionTokensMin !== undefined) c.add("completion_tokens >= ?", f.completionTokensMin);
  if (f.completionTokensMax !== undefined) c.add("completion_tokens <= ?", f.completionTokensMax);
  if (f.totalTokensMin !== undefined) c.add("total_tokens >= ?", f.totalTokensMin);
  if (f.totalTokensMax !== undefined) c.add("total_tokens <= ?", f.totalTokensMax);
  if (f.weightedFeedbackMin !== undefined || f.weightedFeedbackMax !== undefined) {
    addFeedbackFilter(dialect, scope, f, c);
  }
  return c;
}

/** Keeps requests whose trace has a feedback row with weighted value (value x weight) in the asked range. */
function addFeedbackFilter(dialect: SqlDialect, scope: QueryScope, f: AnalyticsFilters, c: Conditions): void {
  const [dtFrom] = partitionRange(f.from, f.to);
  const inner = new Conditions().inScope(scope).add("kind = 'feedback'").add("dt >= ?", dtFrom);
  if (f.weightedFeedbackMin !== undefined) inner.add("feedback_value * feedback_weight >= ?", f.weightedFeedbackMin);
  if (f.weightedFeedbackMax !== undefined) inner.add("feedback_value * feedback_weight <= ?", f.weightedFeedbackMax);
  c.add(`trace_id IN (SELECT trace_id FROM ${dialect.source} WHERE ${inner.parts.join(" AND ")})`, ...inner.params);
}
