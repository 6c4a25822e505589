import type { UsageAnomaly } from "../limits/usage-bounds";

/**
 * The request-log record: exactly one per client request (successes, failures, retries, fallbacks, cache hits and
 * client disconnects included), written as one JSON line to Firehose -> S3 (`logs/dt=YYYY-MM-DD/`) or, locally, to
 * NDJSON files under the data directory. Field names are snake_case and match `glue-columns.ts` one to one.
 *
 * Versioning: additive changes (new nullable fields) keep the version; renames, removals or changed meanings bump
 * `LOG_SCHEMA_VERSION`, and readers must handle every version still inside the retention window.
 */
export const LOG_SCHEMA_VERSION = 1;

/** `request` rows come from the gateway; `feedback` rows from `POST /v1/feedback` (same table, see ADR 0007). */
export type RecordKind = "request" | "feedback";

/** Portkey's cache statuses, lower-cased with underscores (`x-portkey-cache-status` keeps Portkey's spelling). */
export type CacheStatus = "hit" | "semantic_hit" | "miss" | "semantic_miss" | "refresh" | "disabled";

export interface AttemptRecord {
  /** Provider slug of the target tried, e.g. `openai`. */
  provider: string;
  model: string | null;
  /** Upstream HTTP status; for no response, the status the gateway answered it with (502 unreachable, 504 timeout, 499 client gone). */
  status: number;
  latency_ms: number;
  /** Short error code/message when the attempt failed, else null. */
  error: string | null;
  /** Target path inside the config, e.g. `config.targets[1]`; null without a config. */
  target: string | null;
}

export interface GuardrailRecord {
  /** Guardrail or check id. */
  id: string;
  phase: "before_request" | "after_request";
  /** true = passed. */
  verdict: boolean;
  /** What the gateway did about it. */
  action: "allow" | "deny" | "flag";
  latency_ms: number;
}

interface RecordBase {
  schema_version: number;
  kind: RecordKind;
  /** Unique id of this row (request id or feedback id). */
  id: string;
  trace_id: string;
  workspace_id: string;
  /** Id of the gateway API key (never the secret). */
  api_key_id: string | null;
  /** ISO-8601 UTC with milliseconds (`Date#toISOString`), request start; lexicographic order = time order. */
  ts: string;
  metadata: Record<string, string>;
}

export interface RequestLogRecord extends RecordBase {
  kind: "request";
  method: string;
  endpoint: string;
  /** Provider that served the final answer (or the last one tried). */
  provider: string | null;
  model_requested: string | null;
  model_served: string | null;
  virtual_key: string | null;
  config_id: string | null;
  strategy: string | null;
  attempts: AttemptRecord[];
  /** HTTP status returned to the client; 499 when the client went away first. */
  status: number;
  error_type: string | null;
  error_message: string | null;
  retry_count: number;
  last_used_option_index: string | null;
  latency_ms: number;
  ttft_ms: number | null;
  upstream_latency_ms: number | null;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
  total_tokens: number;
  /** USD; null when the model has no known price (never 0 for "unknown"). */
  cost_usd: number | null;
  /** Upper bound reserved against the budget before the call, when budgets are on. */
  budget_reserved_usd: number | null;
  /**
   * Set when the upstream's usage was not taken as reported: `out_of_range` (a number was negative, fractional or
   * too large and was clamped), `over_reservation` / `below_minimum` (a client-chosen host, billed within the
   * reservation). See shared/limits/usage-bounds.ts.
   */
  usage_anomaly: UsageAnomaly | null;
  cache_status: CacheStatus | null;
  guardrails: GuardrailRecord[];
  user: string | null;
  stream: boolean;
  client_disconnected: boolean;
  /** Redacted, size-capped bodies; null when body logging is off for the request or workspace. */
  request_body: string | null;
  response_body: string | null;
  request_body_truncated: boolean;
  response_body_truncated: boolean;
}

export interface FeedbackRecord extends RecordBase {
  kind: "feedback";
  /** -10..10 */
  feedback_value: number;
  /** 0..1 */
  feedback_weight: number;
}

export type LogRow = RequestLogRecord | FeedbackRecord;
