import * as z from "zod";
import { BadRequestError } from "../core/errors";
import { parseQuery } from "../http/api-router";
import { listParam, MAX_LIST_ITEMS, MAX_VALUE_LENGTH, numberParam, textParam } from "../http/query-params";

/**
 * Filters shared by analytics graphs, groups, summaries and log search, parsed from Portkey's query parameters.
 * Every value here reaches SQL only as a bound parameter; the parser bounds sizes so a request cannot build a huge
 * statement. The workspace is NOT a filter: it comes from the principal and the builder always applies it.
 */
export interface AnalyticsFilters {
  /** Inclusive ISO-8601 UTC bounds in `toISOString` form (lexicographic order = time order). */
  from: string;
  to: string;
  models?: string[];
  providers?: string[];
  /** `ai_org_model`: provider + model pairs. */
  providerModels?: Array<{ provider: string; model: string }>;
  statusCodes?: number[];
  virtualKeys?: string[];
  configs?: string[];
  apiKeyIds?: string[];
  traceIds?: string[];
  users?: string[];
  cacheStatuses?: string[];
  metadata?: Record<string, string>;
  /** One value matched against the trace id, the model (requested or served) and every metadata value. */
  search?: string;
  costMinUsd?: number;
  costMaxUsd?: number;
  promptTokensMin?: number;
  promptTokensMax?: number;
  completionTokensMin?: number;
  completionTokensMax?: number;
  totalTokensMin?: number;
  totalTokensMax?: number;
  weightedFeedbackMin?: number;
  weightedFeedbackMax?: number;
}

export { MAX_LIST_ITEMS, MAX_VALUE_LENGTH };
export const MAX_METADATA_PAIRS = 10;
export const MAX_RANGE_DAYS = 400;
const DAY_MS = 86_400_000;

function timeParam(name: string) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === "") return undefined;
      const ms = Date.parse(raw);
      if (!Number.isNaN(ms)) return ms;
      ctx.addIssue({ code: "custom", message: `${name} must be an ISO-8601 date-time.` });
      return z.NEVER;
    })
    .meta({ type: "string", format: "date-time" });
}

const statusCodes = listParam("status_code").transform((items, ctx) => {
  if (items === undefined) return undefined;
  const codes = items.map(Number);
  if (codes.every((code) => Number.isInteger(code) && code >= 100 && code <= 999)) return codes;
  ctx.addIssue({ code: "custom", message: "status_code must be a comma-separated list of HTTP status codes." });
  return z.NEVER;
});

const providerModels = listParam("ai_org_model").transform((items, ctx) => {
  if (items === undefined) return undefined;
  const pairs: Array<{ provider: string; model: string }> = [];
  for (const item of items) {
    const sep = item.indexOf("__");
    if (sep <= 0 || sep === item.length - 2) {
      ctx.addIssue({ code: "custom", message: "ai_org_model entries look like provider__model." });
      return z.NEVER;
    }
    pairs.push({ provider: item.slice(0, sep), model: item.slice(sep + 2) });
  }
  return pairs;
});

const METADATA_SHAPE = "metadata must be a JSON object of string values.";

const metadata = z
  .string()
  .optional()
  .transform((raw, ctx): Record<string, string> | undefined => {
    if (raw === undefined || raw === "") return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    const fail = (message: string) => {
      ctx.addIssue({ code: "custom", message });
      return z.NEVER;
    };
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return fail(METADATA_SHAPE);
    const entries = Object.entries(parsed);
    if (entries.length > MAX_METADATA_PAIRS) return fail(`metadata accepts at most ${MAX_METADATA_PAIRS} keys.`);
    const out: Record<string, string> = {};
    for (const [key, value] of entries) {
      if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
        return fail("metadata values must be strings.");
      }
      const text = String(value);
      if (key.length > MAX_VALUE_LENGTH || text.length > MAX_VALUE_LENGTH) {
        return fail(`metadata keys and values are at most ${MAX_VALUE_LENGTH} characters.`);
      }
      out[key] = text;
    }
    return entries.length > 0 ? out : undefined;
  })
  .meta({ description: "JSON object of metadata key/value pairs that must all match." });

const tokens = (name: string) => numberParam(name, { min: 0 });

/**
 * Portkey's analytics query parameters (graphs, groups, summaries, log search). Every value reaches SQL only as a
 * bound parameter; sizes are bounded so a request cannot build a huge statement. The workspace is NOT a filter: it
 * comes from the principal and the builder always applies it.
 */
export const analyticsFilterQuery = z.object({
  time_of_generation_min: timeParam("time_of_generation_min"),
  time_of_generation_max: timeParam("time_of_generation_max"),
  model: listParam("model"),
  models: listParam("models"),
  provider: listParam("provider"),
  providers: listParam("providers"),
  ai_org_model: providerModels,
  status_code: statusCodes,
  virtual_keys: listParam("virtual_keys"),
  configs: listParam("configs"),
  api_key_ids: listParam("api_key_ids"),
  trace_id: listParam("trace_id"),
  user: listParam("user"),
  users: listParam("users"),
  cache_status: listParam("cache_status"),
  metadata,
  /** The dashboard's "Search logs": exact trace id, model or metadata value (not a Portkey parameter). */
  search: textParam(MAX_VALUE_LENGTH).meta({ description: "Exact trace id, model or metadata value." }),
  /** Portkey expresses cost filters in cents; records hold USD. */
  cost_min: tokens("cost_min"),
  cost_max: tokens("cost_max"),
  prompt_token_min: tokens("prompt_token_min"),
  prompt_token_max: tokens("prompt_token_max"),
  completion_token_min: tokens("completion_token_min"),
  completion_token_max: tokens("completion_token_max"),
  total_units_min: tokens("total_units_min"),
  total_units_max: tokens("total_units_max"),
  weighted_feedback_min: numberParam("weighted_feedback_min", { min: -10, max: 10 }),
  weighted_feedback_max: numberParam("weighted_feedback_max", { min: -10, max: 10 }),
});

export type AnalyticsFilterQuery = z.output<typeof analyticsFilterQuery>;

export interface TimeRangeDefaults {
  /** When set, a missing range defaults to the last `days` days ending `now` (log search); else both are required. */
  defaultDays?: number;
  now: number;
}

/** The filters of a validated query, with the time range resolved and bounded (the checks that span fields). */
export function toAnalyticsFilters(q: AnalyticsFilterQuery, range: TimeRangeDefaults): AnalyticsFilters {
  let from = q.time_of_generation_min;
  let to = q.time_of_generation_max;
  if (range.defaultDays !== undefined) {
    to ??= range.now;
    from ??= to - range.defaultDays * DAY_MS;
  }
  if (from === undefined || to === undefined) {
    throw new BadRequestError("time_of_generation_min and time_of_generation_max are required.", {
      param: from === undefined ? "time_of_generation_min" : "time_of_generation_max",
    });
  }
  if (to < from) throw new BadRequestError("time_of_generation_max is before time_of_generation_min.");
  if (to - from > MAX_RANGE_DAYS * DAY_MS) {
    throw new BadRequestError(`The time range may span at most ${MAX_RANGE_DAYS} days.`);
  }
  return {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    models: q.model ?? q.models,
    providers: q.provider ?? q.providers,
    providerModels: q.ai_org_model,
    statusCodes: q.status_code,
    virtualKeys: q.virtual_keys,
    configs: q.configs,
    apiKeyIds: q.api_key_ids,
    traceIds: q.trace_id,
    users: q.user ?? q.users,
    cacheStatuses: q.cache_status?.map((s) => s.toLowerCase().replace(/\s+/g, "_")),
    metadata: q.metadata,
    search: q.search,
    costMinUsd: q.cost_min === undefined ? undefined : q.cost_min / 100,
    costMaxUsd: q.cost_max === undefined ? undefined : q.cost_max / 100,
    promptTokensMin: q.prompt_token_min,
    promptTokensMax: q.prompt_token_max,
    completionTokensMin: q.completion_token_min,
    completionTokensMax: q.completion_token_max,
    totalTokensMin: q.total_units_min,
    totalTokensMax: q.total_units_max,
    weightedFeedbackMin: q.weighted_feedback_min,
    weightedFeedbackMax: q.weighted_feedback_max,
  };
}

/** Parses Portkey's analytics query parameters. Throws `BadRequestError` (400) for anything malformed. */
export function parseAnalyticsFilters(query: URLSearchParams, range: TimeRangeDefaults): AnalyticsFilters {
  return toAnalyticsFilters(parseQuery(analyticsFilterQuery, query), range);
}
