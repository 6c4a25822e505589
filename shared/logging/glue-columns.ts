/**
 * The columns of the request-log table as Glue/Athena see them (the JSON SerDe maps record fields by name).
 * Owned by the logging schema: keep in step with the log record type. `infra/` builds the Glue table from this.
 * Types are Hive DDL types.
 */
export interface GlueColumn {
  readonly name: string;
  readonly type: string;
  readonly comment?: string;
}

export const LOG_GLUE_COLUMNS: readonly GlueColumn[] = [
  { name: "schema_version", type: "int" },
  { name: "id", type: "string" },
  { name: "trace_id", type: "string" },
  { name: "workspace_id", type: "string" },
  { name: "api_key_id", type: "string" },
  { name: "ts", type: "string", comment: "ISO-8601 request start" },
  { name: "endpoint", type: "string" },
  { name: "provider", type: "string" },
  { name: "model_requested", type: "string" },
  { name: "model_served", type: "string" },
  { name: "virtual_key", type: "string" },
  { name: "config_id", type: "string" },
  { name: "strategy", type: "string" },
  { name: "attempts", type: "array<struct<provider:string,status:int,latency_ms:double,error:string>>" },
  { name: "status", type: "int" },
  { name: "error_type", type: "string" },
  { name: "latency_ms", type: "double" },
  { name: "ttft_ms", type: "double" },
  { name: "upstream_latency_ms", type: "double" },
  { name: "prompt_tokens", type: "bigint" },
  { name: "completion_tokens", type: "bigint" },
  { name: "cached_tokens", type: "bigint" },
  { name: "reasoning_tokens", type: "bigint" },
  { name: "cost_usd", type: "double" },
  { name: "cache_status", type: "string" },
  { name: "metadata", type: "map<string,string>" },
  { name: "user", type: "string" },
  { name: "stream", type: "boolean" },
  { name: "request_body", type: "string" },
  { name: "response_body", type: "string" },
];

/** Partition column (projected, `logs/dt=YYYY-MM-DD/`). */
export const LOG_PARTITION_COLUMN: GlueColumn = { name: "dt", type: "string" };
