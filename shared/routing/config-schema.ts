import * as z from "zod";
import { configPath, InvalidConfigError } from "../core/config-error";
import { hookListSchema } from "../guardrails/hook-schema";

/** Declared in shared/core/config-error.ts (guardrails raise them too); routing code imports them from here. */
export { configPath, InvalidConfigError };

/**
 * The Gateway Config object as clients send it (Portkey's snake_case keys). Validated once per distinct config;
 * `compileConfig` turns the result into a routing plan. Unknown keys on a target are provider settings
 * (`resource_name`, `deployment_id`, `api_version`, `aws_region`, ...) and travel to the provider as options.
 */
export const STRATEGY_MODES = ["single", "fallback", "loadbalance", "conditional"] as const;
export type StrategyMode = (typeof STRATEGY_MODES)[number];

/** Portkey caps retries at 5; so do we. */
export const MAX_RETRY_ATTEMPTS = 5;
const MAX_TIMEOUT_MS = 3_600_000;

const statusCode = z
  .number({ error: "must be an HTTP status code (a number)" })
  .int("must be a whole number")
  .min(100, "must be an HTTP status code (100..599)")
  .max(599, "must be an HTTP status code (100..599)");
const statusCodes = z.array(statusCode, { error: "must be an array of HTTP status codes" });
/** Portkey's shorthand guardrails: saved guardrail ids, or objects of check ids -> parameters (+ deny, async). */
const shorthandGuardrails = z.array(z.union([z.string(), z.record(z.string(), z.unknown())]), {
  error: "must be an array of guardrails",
});

const conditionSchema = z.strictObject({
  query: z.record(z.string(), z.unknown(), { error: "must be an object" }),
  // biome-ignore lint/suspicious/noThenProperty: Portkey's config names the chosen target `then`
  then: z.string({ error: "must be the name of a target" }).min(1, "must be the name of a target"),
});

const strategySchema = z.strictObject({
  mode: z.enum(STRATEGY_MODES, { error: `must be one of: ${STRATEGY_MODES.join(", ")}` }),
  on_status_codes: statusCodes.optional(),
  conditions: z.array(conditionSchema, { error: "must be an array of {query, then}" }).optional(),
  default: z.string({ error: "must be the name of a target" }).optional(),
});

const retrySchema = z.strictObject({
  attempts: z
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(0, "must be >= 0")
    .max(MAX_RETRY_ATTEMPTS, `must be <= ${MAX_RETRY_ATTEMPTS}`),
  on_status_codes: statusCodes.optional(),
  /** Portkey's switch for honouring Retry-After; we always honour it, so the flag is accepted and ignored. */
  use_retry_after_header: z.boolean({ error: "must be a boolean" }).optional(),
});

const nonEmpty = (what: string) => z.string({ error: `must be a string (${what})` }).min(1, "must not be empty");

/**
 * Where semantic mode gets its embeddings: a virtual key, or a provider with its key (and custom host), plus the
 * embedding model. Called through the gateway's own provider layer (see docs/caching.md).
 */
const embeddingSchema = z
  .strictObject({
    virtual_key: nonEmpty("a virtual key slug").optional(),
    provider: nonEmpty("a provider id").optional(),
    api_key: nonEmpty("the provider's API key").optional(),
    custom_host: nonEmpty("a base URL").optional(),
    model: nonEmpty("an embedding model"),
  })
  .superRefine(function checkEmbeddingTarget(target, ctx) {
    if (target.virtual_key && target.provider) {
      ctx.addIssue({
        code: "custom",
        path: ["provider"],
        message: 'give either "virtual_key" or "provider", not both',
      });
    } else if (!target.virtual_key && !target.provider) {
      ctx.addIssue({ code: "custom", path: [], message: 'needs "virtual_key" or "provider" (with "api_key")' });
    }
    if (target.virtual_key && target.api_key) {
      ctx.addIssue({ code: "custom", path: ["api_key"], message: 'not allowed with "virtual_key" (the key holds it)' });
    }
  });

const cacheSchema = z
  .strictObject({
    mode: z.enum(["simple", "semantic"], { error: "must be one of: simple, semantic" }),
    max_age: z.number({ error: "must be a number" }).int("must be a whole number").positive("must be > 0").optional(),
    similarity_threshold: z
      .number({ error: "must be a number" })
      .min(0, "must be >= 0")
      .max(1, "must be <= 1")
      .optional(),
    embedding: embeddingSchema.optional(),
  })
  .superRefine(function checkSemanticEmbedding(cache, ctx) {
    if (cache.mode === "semantic" && !cache.embedding) {
      ctx.addIssue({
        code: "custom",
        path: ["embedding"],
        message: 'required when mode is "semantic": {"virtual_key" or "provider" + "api_key", "model"}',
      });
    }
    if (cache.mode === "simple" && cache.embedding) {
      ctx.addIssue({ code: "custom", path: ["embedding"], message: 'only used when mode is "semantic"' });
    }
  });

/** One node of a config: the root, or any entry of `targets[]` (which may nest its own strategy and targets). */
const nodeShape = {
  strategy: strategySchema.optional(),
  provider: nonEmpty("a provider id").optional(),
  api_key: nonEmpty("the provider's API key").optional(),
  virtual_key: nonEmpty("a virtual key slug").optional(),
  custom_host: nonEmpty("a base URL").optional(),
  name: nonEmpty("a target name").optional(),
  weight: z.number({ error: "must be a number" }).min(0, "must be >= 0").optional(),
  override_params: z.record(z.string(), z.unknown(), { error: "must be an object" }).optional(),
  retry: retrySchema.optional(),
  request_timeout: z
    .number({ error: "must be a number of milliseconds" })
    .int("must be a whole number of milliseconds")
    .positive("must be > 0")
    .max(MAX_TIMEOUT_MS, `must be <= ${MAX_TIMEOUT_MS}`)
    .optional(),
  cache: cacheSchema.optional(),
  before_request_hooks: hookListSchema.optional(),
  after_request_hooks: hookListSchema.optional(),
  beforeRequestHooks: hookListSchema.optional(),
  afterRequestHooks: hookListSchema.optional(),
  input_guardrails: shorthandGuardrails.optional(),
  output_guardrails: shorthandGuardrails.optional(),
  forward_headers: z.array(z.string({ error: "must be a header name" })).optional(),
  /** A saved prompt (`<id>[@version|@label]`) the target renders instead of the called one (prompt A/B splits). */
  prompt_id: nonEmpty("a prompt id").max(200, "must be at most 200 characters").optional(),
};

export interface RawConfigNode extends z.infer<z.ZodObject<typeof nodeShape>> {
  targets?: RawConfigNode[];
  [extra: string]: unknown;
}

export const configNodeSchema: z.ZodType<RawConfigNode> = z
  .object({
    ...nodeShape,
    get targets() {
      return z.array(configNodeSchema, { error: "must be an array of targets" }).optional();
    },
  })
  .catchall(z.unknown());

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") return `unknown key(s): ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  if (issue.code === "invalid_type" && issue.message.startsWith("Invalid input")) return `must be ${issue.expected}`;
  if (issue.code === "invalid_union") return "has an unexpected shape";
  return issue.message;
}

/** Validates a raw config; throws a 400 `invalid_config` naming every bad field with its path. */
export function parseConfig(raw: unknown): RawConfigNode {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    throw new InvalidConfigError("config: must be a JSON object");
  }
  const result = configNodeSchema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 5);
  const first = issues[0];
  const text = issues.map((i) => `${configPath(i.path)}: ${issueMessage(i)}`).join("; ");
  throw new InvalidConfigError(text, first ? configPath(first.path) : "config");
}
