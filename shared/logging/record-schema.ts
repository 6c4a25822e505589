import { z } from "zod";
import { USAGE_ANOMALIES } from "../limits/usage-bounds";
import { LOG_SCHEMA_VERSION } from "./record";

/**
 * Zod schemas for reading records back (tests, integrations, log detail). The hot path never runs these: the
 * builder produces well-typed records by construction.
 */
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

const baseShape = {
  schema_version: z.literal(LOG_SCHEMA_VERSION),
  id: z.string().min(1),
  trace_id: z.string().min(1),
  workspace_id: z.string().min(1),
  api_key_id: z.string().nullable(),
  ts: z.iso.datetime({ offset: false }),
  metadata: z.record(z.string(), z.string()),
};

export const requestLogRecordSchema = z.strictObject({
  ...baseShape,
  kind: z.literal("request"),
  method: z.string(),
  endpoint: z.string(),
  provider: z.string().nullable(),
  model_requested: z.string().nullable(),
  model_served: z.string().nullable(),
  virtual_key: z.string().nullable(),
  config_id: z.string().nullable(),
  strategy: z.string().nullable(),
  attempts: z.array(attemptSchema),
  status: z.number().int(),
  error_type: z.string().nullable(),
  error_message: z.string().nullable(),
  retry_count: z.number().int().nonnegative(),
  last_used_option_index: z.string().nullable(),
  latency_ms: z.number().nonnegative(),
  ttft_ms: z.number().nullable(),
  upstream_latency_ms: z.number().nullable(),
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
  cached_tokens: z.number().int().nonnegative(),
  reasoning_tokens: z.number().int().nonnegative(),
  total_tokens: z.number().int().nonnegative(),
  cost_usd: z.number().nonnegative().nullable(),
  budget_reserved_usd: z.number().nullable(),
  usage_anomaly: z.enum(USAGE_ANOMALIES).nullable(),
  cache_status: z.enum(["hit", "semantic_hit", "miss", "semantic_miss", "refresh", "disabled"]).nullable(),
  guardrails: z.array(guardrailSchema),
  user: z.string().nullable(),
  stream: z.boolean(),
  client_disconnected: z.boolean(),
  request_body: z.string().nullable(),
  response_body: z.string().nullable(),
  request_body_truncated: z.boolean(),
  response_body_truncated: z.boolean(),
});

export const feedbackRecordSchema = z.strictObject({
  ...baseShape,
  kind: z.literal("feedback"),
  feedback_value: z.number().min(-10).max(10),
  feedback_weight: z.number().min(0).max(1),
});

export const logRowSchema = z.discriminatedUnion("kind", [requestLogRecordSchema, feedbackRecordSchema]);
