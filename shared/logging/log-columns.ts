import * as z from "zod";
import { USAGE_ANOMALIES } from "../limits/usage-bounds";
import { LOG_SCHEMA_VERSION } from "./schema-version";

/**
 * The request-log table, declared once. Every other view derives from `LOG_COLUMNS`: the record types and the
 * validation schemas (`record-schema.ts`, `record.ts`), the Glue columns (`glue-columns.ts`, hence the CDK table
 * and the DuckDB column spec) and the field table of docs/observability.md (`log-columns-doc.ts`). The order here
 * is the Glue column order.
 *
 * Versioning (`schema-version.ts`): additive changes (a new nullable column, marked `additive`) keep
 * `LOG_SCHEMA_VERSION`; renames, removals or changed meanings bump it.
 */
export { LOG_SCHEMA_VERSION };

/** `request` rows come from the gateway; `feedback` rows from `POST /v1/feedback` (same table, see ADR 0007). */
export const RECORD_KINDS = ["request", "feedback"] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/** Portkey's cache statuses, lower-cased with underscores (`x-portkey-cache-status` keeps Portkey's spelling). */
export const CACHE_STATUSES = ["hit", "semantic_hit", "miss", "semantic_miss", "refresh", "disabled"] as const;

/** What became of the budget reservation once the request was over. */
export const BUDGET_OUTCOMES = ["settled", "released", "failed"] as const;

export interface LogColumn<
  N extends string = string,
  V extends z.ZodType = z.ZodType,
  R extends RecordKind = RecordKind,
  Nullable extends boolean = boolean,
  Additive extends boolean = boolean,
> {
  readonly name: N;
  /** Schema of a present (non-null) value: the record type and the validation schema derive from it. */
  readonly value: V;
  /** Hive DDL type for Glue/Athena; DuckDB's `read_json` column spec is derived from it too. */
  readonly glue: string;
  readonly nullable: Nullable;
  /** Row kinds that carry the column; rows of other kinds leave it out (the engines read null). */
  readonly rows: readonly R[];
  /** Added after rows of this version were first written: older rows lack it, readers take null. */
  readonly additive?: Additive;
  /** Large and read only by the log-detail query (one row by id): never named by aggregates or search (ADR 0040). */
  readonly detailOnly?: true;
  /** Where the value comes from. */
  readonly filled: string;
  readonly description: string;
}

function column<
  const N extends string,
  V extends z.ZodType,
  const R extends RecordKind,
  const Nullable extends boolean,
  const Additive extends boolean = false,
>(spec: LogColumn<N, V, R, Nullable, Additive>): LogColumn<N, V, R, Nullable, Additive> {
  return spec;
}

const BOTH = RECORD_KINDS;
const REQUEST = ["request"] as const;
const FEEDBACK = ["feedback"] as const;

const attemptSchema = z.object({
  provider: z.string(),
  model: z.string().nullable(),
  status: z.number().int(),
  latency_ms: z.number(),
  error: z.string().nullable(),
  target: z.string().nullable(),
});

const guardrailSchema = z.object({
  id: z.string(),
  phase: z.enum(["before_request", "after_request"]),
  verdict: z.boolean(),
  action: z.enum(["allow", "deny", "flag"]),
  latency_ms: z.number(),
});

const budgetSettlementSchema = z.object({
  scope: z.string(),
  type: z.enum(["cost", "tokens"]),
  applied: z.boolean(),
  amount: z.number(),
  spent: z.number(),
  alert_crossed: z.boolean(),
});

const tokens = z.number().int().nonnegative();

export const LOG_COLUMNS = [
  column({
    name: "schema_version",
    value: z.literal(LOG_SCHEMA_VERSION),
    glue: "int",
    nullable: false,
    rows: BOTH,
    filled: "`LOG_SCHEMA_VERSION`",
    description: "record layout version",
  }),
  column({
    name: "kind",
    value: z.enum(RECORD_KINDS),
    glue: "string",
    nullable: false,
    rows: BOTH,
    filled: "gateway / `POST /v1/feedback`",
    description: "`request` or `feedback`",
  }),
  column({
    name: "id",
    value: z.string().min(1),
    glue: "string",
    nullable: false,
    rows: BOTH,
    filled: "UUIDv7 of the start time",
    description: "row id; time-ordered (the log-detail lookup derives the day partition from it)",
  }),
  column({
    name: "trace_id",
    value: z.string().min(1),
    glue: "string",
    nullable: false,
    rows: BOTH,
    filled: "`x-portkey-trace-id`, else generated",
    description: "the request's trace id; feedback rows name the request they rate",
  }),
  column({
    name: "workspace_id",
    value: z.string().min(1),
    glue: "string",
    nullable: false,
    rows: BOTH,
    filled: "authenticated key",
    description: "workspace of the gateway key; `anonymous` when authentication failed",
  }),
  column({
    name: "api_key_id",
    value: z.string(),
    glue: "string",
    nullable: true,
    rows: BOTH,
    filled: "authenticated key",
    description: "id of the gateway key (never the secret)",
  }),
  column({
    name: "ts",
    value: z.iso.datetime({ offset: false }),
    glue: "string",
    nullable: false,
    rows: BOTH,
    filled: "request start",
    description: "ISO-8601 UTC with ms (`toISOString`): string order = time order",
  }),
  column({
    name: "method",
    value: z.string(),
    glue: "string",
    nullable: false,
    rows: REQUEST,
    filled: "request line",
    description: "HTTP method, e.g. `POST`; `GET` for `/v1/models`",
  }),
  column({
    name: "endpoint",
    value: z.string(),
    glue: "string",
    nullable: false,
    rows: REQUEST,
    filled: "route table",
    description: "endpoint id: `chat`, `completions`, `embeddings`, `images`, ..., `models`; `unknown` for no route",
  }),
  column({
    name: "provider",
    value: z.string(),
    glue: "string",
    nullable: true,
    rows: REQUEST,
    filled: "routing",
    description: "provider that served (or was tried last)",
  }),
  column({
    name: "model_requested",
    value: z.string(),
    glue: "string",
    nullable: true,
    rows: REQUEST,
    filled: "request body `model`",
    description: "model named by the request (after `@slug/` is split off)",
  }),
  column({
    name: "model_served",
    value: z.string(),
    glue: "string",
    nullable: true,
    rows: REQUEST,
    filled: "upstream answer",
    description: "model that answered, as the provider reports it",
  }),
  column({
    name: "virtual_key",
    value: z.string(),
    glue: "string",
    nullable: true,
    rows: REQUEST,
    filled: "`x-portkey-virtual-key`, `@slug/model` or the config target",
    description: "virtual key slug used",
  }),
  column({
    name: "config_id",
    value: z.string(),
    glue: "string",
    nullable: true,
    rows: REQUEST,
    filled: "`x-portkey-config` or the key's default config",
    description: "saved config id; null for inline configs",
  }),
  column({
    name: "strategy",
    value: z.string(),
    glue: "string",
    nullable: true,
    rows: REQUEST,
    filled: "routing plan",
    description: "top-level strategy mode of the config (`single`, `fallback`, `loadbalance`, `conditional`)",
  }),
  column({
    name: "attempts",
    value: z.array(attemptSchema),
    glue: "array<struct<provider:string,model:string,status:int,latency_ms:double,error:string,target:string>>",
    nullable: false,
    rows: REQUEST,
    filled: "routing executor",
    description: "one entry per upstream try: provider, model, status, latency, error code, config target path",
  }),
  column({
    name: "status",
    value: z.number().int(),
    glue: "int",
    nullable: false,
    rows: REQUEST,
    filled: "response",
    description: "HTTP status returned to the client (499 = the client went away first)",
  }),
  column({
    name: "error_type",
    value: z.string(),
    glue: "string",
    nullable: true,
    rows: REQUEST,
    filled: "error body",
    description: "`error.type` of the answer; `client_disconnected` for a 499",
  }),
  column({
    name: "error_message",
    value: z.string().max(1024),
    glue: "string",
    nullable: true,
    rows: REQUEST,
    filled: "error body",
    description: "`error.message` of the answer, capped at 1 KiB",
  }),
  column({
    name: "retry_count",
    value: z.number().int().min(-1),
    glue: "int",
    nullable: false,
    rows: REQUEST,
    filled: "routing executor",
    description: "as `x-portkey-retry-attempt-count`: retries on the answering target; -1 when they ran out",
  }),
  column({
    name: "last_used_option_index",
    value: z.string(),
    glue: "string",
    nullable: true,
    rows: REQUEST,
    filled: "routing executor",
    description: "as `x-portkey-last-used-option-index`, e.g. `config.targets[1]` (config requests only)",
  }),
  column({
    name: "latency_ms",
    value: z.number().nonnegative(),
    glue: "double",
    nullable: false,
    rows: REQUEST,
    filled: "gateway clock",
    description: "time in the gateway until the answer was complete (streams: the last event)",
  }),
  column({
    name: "ttft_ms",
    value: z.number(),
    glue: "double",
    nullable: true,
    rows: REQUEST,
    filled: "gateway clock",
    description: "time to the first streamed byte (streams only)",
  }),
  column({
    name: "upstream_latency_ms",
    value: z.number(),
    glue: "double",
    nullable: true,
    rows: REQUEST,
    filled: "gateway clock",
    description: "latency of the last upstream attempt",
  }),
  column({
    name: "prompt_tokens",
    value: tokens,
    glue: "bigint",
    nullable: false,
    rows: REQUEST,
    filled: "upstream usage",
    description: "OpenAI semantics: includes cached tokens; 0 when unknown",
  }),
  column({
    name: "completion_tokens",
    value: tokens,
    glue: "bigint",
    nullable: false,
    rows: REQUEST,
    filled: "upstream usage",
    description: "includes reasoning tokens; 0 when unknown",
  }),
  column({
    name: "cached_tokens",
    value: tokens,
    glue: "bigint",
    nullable: false,
    rows: REQUEST,
    filled: "upstream usage",
    description: "prompt tokens read from the provider's prompt cache",
  }),
  column({
    name: "reasoning_tokens",
    value: tokens,
    glue: "bigint",
    nullable: false,
    rows: REQUEST,
    filled: "upstream usage",
    description: "completion tokens spent on reasoning",
  }),
  column({
    name: "total_tokens",
    value: tokens,
    glue: "bigint",
    nullable: false,
    rows: REQUEST,
    filled: "computed",
    description: "prompt_tokens + completion_tokens",
  }),
  column({
    name: "cost_usd",
    value: z.number().nonnegative(),
    glue: "double",
    nullable: true,
    rows: REQUEST,
    filled: "price table",
    description: "USD; 0 for cache hits and shared answers; null when the model is not priced (never 0 for unknown)",
  }),
  column({
    name: "budget_reserved_usd",
    value: z.number(),
    glue: "double",
    nullable: true,
    rows: REQUEST,
    filled: "budget reservation",
    description: "upper bound reserved before the call; null when no budget applies",
  }),
  column({
    name: "cache_status",
    value: z.enum(CACHE_STATUSES),
    glue: "string",
    nullable: true,
    rows: REQUEST,
    filled: "cache step",
    description: "`hit`, `semantic_hit`, `miss`, `semantic_miss`, `refresh`, `disabled`; null before a target",
  }),
  column({
    name: "guardrails",
    value: z.array(guardrailSchema),
    glue: "array<struct<id:string,phase:string,verdict:boolean,action:string,latency_ms:double>>",
    nullable: false,
    rows: REQUEST,
    filled: "guardrail hooks",
    description: "hook results: check id, phase, verdict (true = passed), action (allow, deny, flag), latency",
  }),
  column({
    name: "metadata",
    value: z.record(z.string(), z.string()),
    glue: "map<string,string>",
    nullable: false,
    rows: BOTH,
    filled: "`x-portkey-metadata` over the key's metadata / feedback body",
    description: "request metadata: the API key's metadata as defaults, the request's values win per field",
  }),
  column({
    name: "user",
    value: z.string(),
    glue: "string",
    nullable: true,
    rows: REQUEST,
    filled: "request body / metadata",
    description: "OpenAI `user`, else metadata `_user`",
  }),
  column({
    name: "stream",
    value: z.boolean(),
    glue: "boolean",
    nullable: false,
    rows: REQUEST,
    filled: "request body",
    description: "the answer was streamed",
  }),
  column({
    name: "client_disconnected",
    value: z.boolean(),
    glue: "boolean",
    nullable: false,
    rows: REQUEST,
    filled: "connection",
    description: "the client aborted before the answer was complete",
  }),
  column({
    name: "request_body",
    value: z.string(),
    glue: "string",
    nullable: true,
    rows: REQUEST,
    detailOnly: true,
    filled: "request (redacted, capped)",
    description: "first 32 KiB of the request body; null when body logging is off",
  }),
  column({
    name: "response_body",
    value: z.string(),
    glue: "string",
    nullable: true,
    rows: REQUEST,
    detailOnly: true,
    filled: "response (redacted, capped)",
    description: "first 32 KiB of the answer (streams: the SSE the client got); null when body logging is off",
  }),
  column({
    name: "request_body_truncated",
    value: z.boolean(),
    glue: "boolean",
    nullable: false,
    rows: REQUEST,
    filled: "body cap",
    description: "the cap cut the request body",
  }),
  column({
    name: "response_body_truncated",
    value: z.boolean(),
    glue: "boolean",
    nullable: false,
    rows: REQUEST,
    filled: "body cap",
    description: "the cap cut the response body",
  }),
  column({
    name: "feedback_value",
    value: z.number().min(-10).max(10),
    glue: "double",
    nullable: false,
    rows: FEEDBACK,
    filled: "feedback body",
    description: "feedback rows only: -10..10",
  }),
  column({
    name: "feedback_weight",
    value: z.number().min(0).max(1),
    glue: "double",
    nullable: false,
    rows: FEEDBACK,
    filled: "feedback body",
    description: "feedback rows only: 0..1",
  }),
  column({
    name: "budget_outcome",
    value: z.enum(BUDGET_OUTCOMES),
    glue: "string",
    nullable: true,
    rows: REQUEST,
    additive: true,
    filled: "budget settle",
    description: "`settled` (usage recorded), `released` (nothing used), `failed` (write failed); null: no budget",
  }),
  column({
    name: "budget_settled_usd",
    value: z.number().nonnegative(),
    glue: "double",
    nullable: true,
    rows: REQUEST,
    additive: true,
    filled: "budget settle",
    description: "cost recorded against cost budgets (unknown usage is charged the reserved bound)",
  }),
  column({
    name: "budget_settled_tokens",
    value: tokens,
    glue: "bigint",
    nullable: true,
    rows: REQUEST,
    additive: true,
    filled: "budget settle",
    description: "tokens recorded against token budgets and token rate limits",
  }),
  column({
    name: "budget_settlements",
    value: z.array(budgetSettlementSchema),
    glue: "array<struct<scope:string,type:string,applied:boolean,amount:double,spent:double,alert_crossed:boolean>>",
    nullable: true,
    rows: REQUEST,
    additive: true,
    filled: "budget settle",
    description: "per budget (`workspace:<id>`, `api_key:<id>`, `virtual_key:<slug>`): amount, spend after, alert",
  }),
  column({
    name: "budget_alert_crossed",
    value: z.boolean(),
    glue: "boolean",
    nullable: true,
    rows: REQUEST,
    additive: true,
    filled: "budget settle",
    description: "this request's settle took a budget across its `alert_threshold`",
  }),
  column({
    name: "usage_anomaly",
    value: z.enum(USAGE_ANOMALIES),
    glue: "string",
    nullable: true,
    rows: REQUEST,
    additive: true,
    filled: "upstream usage checked before billing (`shared/limits/usage-bounds.ts`)",
    description:
      "usage not billed as reported: `out_of_range`, `over_reservation` or `below_minimum`; null when it was",
  }),
  column({
    name: "request_bytes",
    value: z.number().int().nonnegative(),
    glue: "bigint",
    nullable: true,
    rows: REQUEST,
    additive: true,
    filled: "request",
    description: "bytes of the client's request body (uploads included; their bodies are never logged)",
  }),
  column({
    name: "response_bytes",
    value: z.number().int().nonnegative(),
    glue: "bigint",
    nullable: true,
    rows: REQUEST,
    additive: true,
    filled: "response",
    description:
      "bytes of the answer's body the client was sent (streams and passed-through files: as far as they got)",
  }),
  column({
    name: "prompt_id",
    value: z.string(),
    glue: "string",
    nullable: true,
    rows: REQUEST,
    additive: true,
    filled: "`POST /v1/prompts/{id}/completions` (the prompt that answered, after a config's `prompt_id` split)",
    description: "saved prompt id; null for requests that are not prompt completions",
  }),
  column({
    name: "prompt_version",
    value: z.number().int().positive(),
    glue: "int",
    nullable: true,
    rows: REQUEST,
    additive: true,
    filled: "the prompt version rendered (by `@n`, `@label`, published or a config's `prompt_id`)",
    description: "the prompt version that answered; with `prompt_id`, what A/B analytics compare",
  }),
] as const;

export type LogColumnSpec = (typeof LOG_COLUMNS)[number];

/** Zod schema of one column in rows of kind `K`: `kind` narrows to the literal; nullable columns admit null. */
type FieldSchema<C extends LogColumnSpec, K extends RecordKind> = C["name"] extends "kind"
  ? z.ZodLiteral<K>
  : C["nullable"] extends true
    ? NonNullable<C["additive"]> extends true
      ? z.ZodDefault<z.ZodNullable<C["value"]>>
      : z.ZodNullable<C["value"]>
    : C["value"];

/** The zod shape of rows of kind `K`, column by column (type level; `rowShape` builds the same at run time). */
export type RowShape<K extends RecordKind> = {
  [C in LogColumnSpec as K extends C["rows"][number] ? C["name"] : never]: FieldSchema<C, K>;
};

/** Builds the zod shape of rows of kind `K` from the table, in column order. Called once per kind at load. */
export function rowShape<K extends RecordKind>(kind: K): RowShape<K> {
  const shape: Record<string, z.ZodType> = {};
  for (const c of LOG_COLUMNS) {
    if (!(c.rows as readonly RecordKind[]).includes(kind)) continue;
    const value: z.ZodType = c.value;
    if (c.name === "kind") shape[c.name] = z.literal(kind);
    else if (!c.nullable) shape[c.name] = value;
    else shape[c.name] = c.additive === true ? value.nullable().default(null) : value.nullable();
  }
  return shape as RowShape<K>;
}
