/**
 * The columns of the request-log table as Glue/Athena see them (the JSON SerDe maps record fields by name).
 * Owned by the logging schema: keep in step with `record.ts` (a unit test checks both directions). `infra/` builds
 * the Glue table from this; the DuckDB dialect derives its `read_json` column spec from it too, so both engines
 * read the same typed columns. Types are Hive DDL types.
 */
export interface GlueColumn {
  readonly name: string;
  readonly type: string;
  readonly comment?: string;
}

export const LOG_GLUE_COLUMNS: readonly GlueColumn[] = [
  { name: "schema_version", type: "int" },
  { name: "kind", type: "string", comment: "request | feedback" },
  { name: "id", type: "string" },
  { name: "trace_id", type: "string" },
  { name: "workspace_id", type: "string" },
  { name: "api_key_id", type: "string" },
  { name: "ts", type: "string", comment: "ISO-8601 UTC request start (toISOString)" },
  { name: "method", type: "string" },
  { name: "endpoint", type: "string" },
  { name: "provider", type: "string" },
  { name: "model_requested", type: "string" },
  { name: "model_served", type: "string" },
  { name: "virtual_key", type: "string" },
  { name: "config_id", type: "string" },
  { name: "strategy", type: "string" },
  {
    name: "attempts",
    type: "array<struct<provider:string,model:string,status:int,latency_ms:double,error:string,target:string>>",
  },
  { name: "status", type: "int" },
  { name: "error_type", type: "string" },
  { name: "error_message", type: "string" },
  { name: "retry_count", type: "int" },
  { name: "last_used_option_index", type: "string" },
  { name: "latency_ms", type: "double" },
  { name: "ttft_ms", type: "double" },
  { name: "upstream_latency_ms", type: "double" },
  { name: "prompt_tokens", type: "bigint" },
  { name: "completion_tokens", type: "bigint" },
  { name: "cached_tokens", type: "bigint" },
  { name: "reasoning_tokens", type: "bigint" },
  { name: "total_tokens", type: "bigint" },
  { name: "cost_usd", type: "double" },
  { name: "budget_reserved_usd", type: "double" },
  { name: "usage_anomaly", type: "string", comment: "out_of_range | over_reservation | below_minimum" },
  { name: "cache_status", type: "string" },
  {
    name: "guardrails",
    type: "array<struct<id:string,phase:string,verdict:boolean,action:string,latency_ms:double>>",
  },
  { name: "metadata", type: "map<string,string>" },
  { name: "user", type: "string" },
  { name: "stream", type: "boolean" },
  { name: "client_disconnected", type: "boolean" },
  { name: "request_body", type: "string" },
  { name: "response_body", type: "string" },
  { name: "request_body_truncated", type: "boolean" },
  { name: "response_body_truncated", type: "boolean" },
  { name: "feedback_value", type: "double", comment: "feedback rows: -10..10" },
  { name: "feedback_weight", type: "double", comment: "feedback rows: 0..1" },
];

/** Partition column (projected, `logs/dt=YYYY-MM-DD/`, Firehose arrival date in UTC). */
export const LOG_PARTITION_COLUMN: GlueColumn = { name: "dt", type: "string" };

/** S3 key prefix of the table (Firehose `Prefix` is `logs/dt=!{timestamp:yyyy-MM-dd}/`). */
export const LOG_S3_PREFIX = "logs/";
