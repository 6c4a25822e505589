import { microsToUsd } from "../limits/pricing";
import { type CostInput, computeCost } from "../pricing/cost";
import { type BodyBytes, bodyBytesOf, keepBodyBytes } from "./ndjson-line";
import { type CacheStatus, LOG_SCHEMA_VERSION, type RequestLogRecord } from "./record";
import { type Redactor, redactSecrets } from "./redact";
import type { BudgetSummary, RequestSummary } from "./request-summary";

export const DEFAULT_BODY_LIMIT_BYTES = 32 * 1024;
/** Extra bytes kept past the cap so a secret straddling the cut is still recognised and redacted. */
const REDACTION_SLACK_BYTES = 512;
const ERROR_MESSAGE_LIMIT = 1024;

/** How records are built; resolved once per process. */
export interface RecordOptions {
  /** Removes secrets from the kept part of each body (`redact.ts`). */
  readonly redact: Redactor;
  /** Per-body cap in bytes. */
  readonly bodyLimitBytes: number;
  /** Cost of the usage, from the price table; null when the model is not priced. */
  readonly cost: (input: CostInput) => number | null;
}

export const DEFAULT_RECORD_OPTIONS: RecordOptions = Object.freeze({
  redact: redactSecrets,
  bodyLimitBytes: DEFAULT_BODY_LIMIT_BYTES,
  cost: computeCost,
});

/** What makes a row unique besides the summary: its id, and the secrets known for this request. */
export interface RowIdentity {
  /** Row id: a UUIDv7 of the request start (log detail derives the day partition from it). */
  readonly id: string;
  /** Exact secrets that must never appear in logged bodies (e.g. the provider key behind a virtual key). */
  readonly knownSecrets?: readonly string[];
}

const LOG_CACHE_STATUS: Readonly<Record<NonNullable<RequestSummary["cacheStatus"]>, CacheStatus>> = {
  HIT: "hit",
  "SEMANTIC HIT": "semantic_hit",
  MISS: "miss",
  "SEMANTIC MISS": "semantic_miss",
  REFRESH: "refresh",
  DISABLED: "disabled",
};

const SERVED_FROM_CACHE: ReadonlySet<RequestSummary["cacheStatus"]> = new Set(["HIT", "SEMANTIC HIT"]);

const NO_SECRETS: readonly string[] = [];

interface CappedBody {
  readonly text: string | null;
  readonly truncated: boolean;
  /** The bytes `text` was decoded from, when they are exactly its UTF-8 (`ndjson-line.ts`). */
  readonly bytes?: BodyBytes;
}

const NO_BODY: CappedBody = { text: null, truncated: false };

function capBody(
  raw: Buffer | string | undefined,
  limit: number,
  redact: Redactor,
  secrets: readonly string[],
): CappedBody {
  if (raw === undefined) return NO_BODY;
  // Fast path: a short string cannot exceed the byte cap (UTF-8 is at most 3 bytes per UTF-16 unit).
  if (typeof raw === "string" && raw.length * 3 <= limit) return capText(redact(raw, secrets), limit, false);
  const buf = typeof raw === "string" ? Buffer.from(raw) : raw;
  const keep = limit + REDACTION_SLACK_BYTES;
  const source = (buf.length > keep ? buf.subarray(0, keep) : buf).toString("utf8");
  const text = redact(source, secrets);
  // bytes that came whole, and that redaction left as they were, are written to the log as they came
  if (typeof raw !== "string" && buf.length <= limit && text.length <= limit) {
    return { text, truncated: false, bytes: bodyBytesOf(buf, source, text) };
  }
  return capText(text, limit, buf.length > limit);
}

function capText(text: string, limit: number, truncated: boolean): CappedBody {
  return text.length <= limit ? { text, truncated } : { text: text.slice(0, limit), truncated: true };
}

type BudgetColumns = Pick<
  RequestLogRecord,
  "budget_outcome" | "budget_settled_usd" | "budget_settled_tokens" | "budget_settlements" | "budget_alert_crossed"
>;

const NO_BUDGET: BudgetColumns = Object.freeze({
  budget_outcome: null,
  budget_settled_usd: null,
  budget_settled_tokens: null,
  budget_settlements: null,
  budget_alert_crossed: null,
});

const RELEASED: BudgetColumns = Object.freeze({
  budget_outcome: "released",
  budget_settled_usd: 0,
  budget_settled_tokens: 0,
  budget_settlements: null,
  budget_alert_crossed: false,
});

const FAILED: BudgetColumns = Object.freeze({ ...NO_BUDGET, budget_outcome: "failed" });

function budgetColumns(budget: BudgetSummary | undefined): BudgetColumns {
  if (budget === undefined) return NO_BUDGET;
  if (budget.outcome !== "settled") return budget.outcome === "released" ? RELEASED : FAILED;
  const { settled, settlements } = budget.result;
  return {
    budget_outcome: "settled",
    budget_settled_usd: microsToUsd(settled.costMicros),
    budget_settled_tokens: settled.tokens,
    budget_settlements: settlements.map((s) => ({
      scope: `${s.scope.kind}:${s.scope.id}`,
      type: s.scope.limit.type,
      applied: s.applied,
      amount: s.amount,
      spent: s.spent,
      alert_crossed: s.alertCrossedNow,
    })),
    budget_alert_crossed: settlements.some((s) => s.alertCrossedNow),
  };
}

/** The request's cost in USD from the price table; 0 for an answer from the cache, null when not priced. */
export function summaryCost(summary: RequestSummary, cost: RecordOptions["cost"] = computeCost): number | null {
  const { usage, provider } = summary;
  // An answer from the cache (or shared with an identical concurrent request) cost nothing upstream: 0, not null.
  if (SERVED_FROM_CACHE.has(summary.cacheStatus) || summary.sharedAnswer === true) return 0;
  const model = provider === undefined ? undefined : (summary.modelServed ?? summary.modelRequested);
  if (!usage || provider === undefined || model === undefined) return null;
  return cost({
    provider,
    model,
    prompt_tokens: usage.prompt_tokens ?? 0,
    completion_tokens: usage.completion_tokens ?? 0,
    cached_tokens: usage.cached_tokens ?? 0,
    cache_creation_tokens: usage.cache_creation_tokens,
    cache_creation_1h_tokens: usage.cache_creation_1h_tokens,
  });
}

/**
 * The log record of one client request, built from the gateway's summary once the request is over. Pure: the same
 * summary, identity and options give the same record. Bodies are capped (`bodyLimitBytes`, plus some slack so a
 * secret cut by the cap is still recognised) and redacted; the error message is capped at 1 KiB.
 */
export function toRecord(
  summary: RequestSummary,
  identity: RowIdentity,
  options: RecordOptions = DEFAULT_RECORD_OPTIONS,
): RequestLogRecord {
  const { usage, provider = null, clientAborted } = summary;
  const prompt = usage?.prompt_tokens ?? 0;
  const completion = usage?.completion_tokens ?? 0;
  const cached = usage?.cached_tokens ?? 0;
  const modelServed = provider === null ? null : (summary.modelServed ?? null);
  const cost = summaryCost(summary, options.cost);
  // A request that reached a target without a cache config was told `x-portkey-cache-status: DISABLED`.
  const cacheStatus = summary.cacheStatus ?? (provider === null ? undefined : "DISABLED");
  // The request's own provider credentials, plus any the caller names (e.g. tests).
  const secrets =
    summary.secrets?.length && identity.knownSecrets?.length
      ? [...identity.knownSecrets, ...summary.secrets]
      : (summary.secrets ?? identity.knownSecrets ?? NO_SECRETS);
  const { redact, bodyLimitBytes } = options;
  const requestBody = summary.logBodies ? capBody(summary.requestBody, bodyLimitBytes, redact, secrets) : NO_BODY;
  const responseBody = summary.logBodies ? capBody(summary.responseBody, bodyLimitBytes, redact, secrets) : NO_BODY;
  const message = summary.error?.error.message ?? null;
  // Free text other than bodies can carry secrets too: what the client sent (metadata, user, the trace id and
  // virtual key headers) and what the upstream said (error messages echo keys). Short strings: cheap.
  const clean = (text: string): string => redact(text, secrets);
  const cleanOrNull = (text: string | null | undefined): string | null => (text == null ? null : clean(text));
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(summary.metadata)) metadata[key] = clean(value);
  const row: RequestLogRecord = {
    schema_version: LOG_SCHEMA_VERSION,
    kind: "request",
    id: identity.id,
    trace_id: clean(summary.traceId),
    workspace_id: summary.workspaceId ?? "anonymous",
    api_key_id: summary.apiKeyId ?? null,
    ts: new Date(summary.startedAt).toISOString(),
    method: summary.method,
    endpoint: summary.endpoint,
    provider,
    model_requested: summary.modelRequested ?? null,
    model_served: modelServed,
    virtual_key: cleanOrNull(summary.virtualKey),
    config_id: cleanOrNull(summary.configId),
    strategy: summary.strategy ?? null,
    attempts: summary.attempts.map((a) => ({
      provider: a.provider,
      model: a.model ?? null,
      status: a.status,
      latency_ms: a.latencyMs,
      error: cleanOrNull(a.error),
      target: a.target ?? null,
    })),
    status: clientAborted ? 499 : summary.status,
    error_type: summary.error?.error.type ?? (clientAborted ? "client_disconnected" : null),
    error_message: cleanOrNull(
      message !== null && message.length > ERROR_MESSAGE_LIMIT ? message.slice(0, ERROR_MESSAGE_LIMIT) : message,
    ),
    retry_count: summary.retryCount ?? Math.max(summary.attempts.length - 1, 0),
    last_used_option_index: summary.lastUsedOptionIndex ?? null,
    latency_ms: summary.latencyMs,
    ttft_ms: summary.ttftMs ?? null,
    upstream_latency_ms: summary.attempts.at(-1)?.latencyMs ?? null,
    prompt_tokens: prompt,
    completion_tokens: completion,
    cached_tokens: cached,
    reasoning_tokens: usage?.reasoning_tokens ?? 0,
    total_tokens: prompt + completion,
    cost_usd: cost,
    budget_reserved_usd: summary.budgetReservedUsd ?? null,
    cache_status: cacheStatus === undefined ? null : LOG_CACHE_STATUS[cacheStatus],
    guardrails: summary.guardrails ? [...summary.guardrails] : [],
    metadata,
    // OpenAI's `user` field, else Portkey's `_user` metadata key.
    user: cleanOrNull(summary.user ?? summary.metadata._user),
    stream: summary.stream,
    client_disconnected: clientAborted,
    request_body: requestBody.text,
    response_body: responseBody.text,
    request_body_truncated: requestBody.truncated,
    response_body_truncated: responseBody.truncated,
    ...budgetColumns(summary.budget),
    usage_anomaly: summary.usageAnomaly ?? null,
    request_bytes: summary.requestBytes ?? null,
    response_bytes: summary.responseBytes ?? null,
    prompt_id: cleanOrNull(summary.promptId),
    prompt_version: summary.promptVersion ?? null,
  };
  return keepBodyBytes(row, requestBody.bytes, responseBody.bytes);
}

/**
 * Body logging switch: on unless the deployment or the workspace turned it off (`false`), or the request sends
 * `x-portkey-debug: false` (Portkey's `debug: false` client option). Headers are lower-case.
 */
export function bodyLoggingEnabled(
  headers: Readonly<Record<string, string>>,
  workspaceLogsBodies: boolean | undefined,
): boolean {
  if (workspaceLogsBodies === false) return false;
  const debug = headers["x-portkey-debug"];
  return debug === undefined || debug.trim().toLowerCase() !== "false";
}
