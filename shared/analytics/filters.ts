import { BadRequestError } from "../core/errors";

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

export const MAX_LIST_ITEMS = 50;
export const MAX_VALUE_LENGTH = 256;
export const MAX_METADATA_PAIRS = 10;
export const MAX_RANGE_DAYS = 400;
const DAY_MS = 86_400_000;

function parseTime(name: string, raw: string | null): number | undefined {
  if (raw === null || raw === "") return undefined;
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) throw new BadRequestError(`${name} must be an ISO-8601 date-time.`, { param: name });
  return ms;
}

function parseList(query: URLSearchParams, name: string): string[] | undefined {
  const raw = query.getAll(name).join(",");
  if (raw === "") return undefined;
  const items = raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (items.length === 0) return undefined;
  if (items.length > MAX_LIST_ITEMS) {
    throw new BadRequestError(`${name} accepts at most ${MAX_LIST_ITEMS} values.`, { param: name });
  }
  for (const item of items) {
    if (item.length > MAX_VALUE_LENGTH) {
      throw new BadRequestError(`${name} values are at most ${MAX_VALUE_LENGTH} characters.`, { param: name });
    }
  }
  return items;
}

function parseNumber(query: URLSearchParams, name: string, opts: { min?: number; max?: number } = {}) {
  const raw = query.get(name);
  if (raw === null || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new BadRequestError(`${name} must be a number.`, { param: name });
  if ((opts.min !== undefined && value < opts.min) || (opts.max !== undefined && value > opts.max)) {
    throw new BadRequestError(`${name} must be between ${opts.min} and ${opts.max}.`, { param: name });
  }
  return value;
}

function parseStatusCodes(query: URLSearchParams): number[] | undefined {
  const items = parseList(query, "status_code");
  if (!items) return undefined;
  return items.map((item) => {
    const code = Number(item);
    if (!Number.isInteger(code) || code < 100 || code > 999) {
      throw new BadRequestError("status_code must be a comma-separated list of HTTP status codes.", {
        param: "status_code",
      });
    }
    return code;
  });
}

function parseMetadata(raw: string | null): Record<string, string> | undefined {
  if (raw === null || raw === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new BadRequestError("metadata must be a JSON object of string values.", { param: "metadata" });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new BadRequestError("metadata must be a JSON object of string values.", { param: "metadata" });
  }
  const entries = Object.entries(parsed);
  if (entries.length > MAX_METADATA_PAIRS) {
    throw new BadRequestError(`metadata accepts at most ${MAX_METADATA_PAIRS} keys.`, { param: "metadata" });
  }
  const out: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
      throw new BadRequestError("metadata values must be strings.", { param: "metadata" });
    }
    const text = String(value);
    if (key.length > MAX_VALUE_LENGTH || text.length > MAX_VALUE_LENGTH) {
      throw new BadRequestError(`metadata keys and values are at most ${MAX_VALUE_LENGTH} characters.`, {
        param: "metadata",
      });
    }
    out[key] = text;
  }
  return entries.length > 0 ? out : undefined;
}

function parseProviderModels(query: URLSearchParams): Array<{ provider: string; model: string }> | undefined {
  const items = parseList(query, "ai_org_model");
  if (!items) return undefined;
  return items.map((item) => {
    const sep = item.indexOf("__");
    if (sep <= 0 || sep === item.length - 2) {
      throw new BadRequestError("ai_org_model entries look like provider__model.", { param: "ai_org_model" });
    }
    return { provider: item.slice(0, sep), model: item.slice(sep + 2) };
  });
}

export interface TimeRangeDefaults {
  /** When set, a missing range defaults to the last `days` days ending `now` (log search); else both are required. */
  defaultDays?: number;
  now: number;
}

/** Parses Portkey's analytics query parameters. Throws `BadRequestError` (400) for anything malformed. */
export function parseAnalyticsFilters(query: URLSearchParams, range: TimeRangeDefaults): AnalyticsFilters {
  let from = parseTime("time_of_generation_min", query.get("time_of_generation_min"));
  let to = parseTime("time_of_generation_max", query.get("time_of_generation_max"));
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
  const costMinCents = parseNumber(query, "cost_min", { min: 0 });
  const costMaxCents = parseNumber(query, "cost_max", { min: 0 });
  const filters: AnalyticsFilters = {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    models: parseList(query, "model") ?? parseList(query, "models"),
    providers: parseList(query, "provider") ?? parseList(query, "providers"),
    providerModels: parseProviderModels(query),
    statusCodes: parseStatusCodes(query),
    virtualKeys: parseList(query, "virtual_keys"),
    configs: parseList(query, "configs"),
    apiKeyIds: parseList(query, "api_key_ids"),
    traceIds: parseList(query, "trace_id"),
    users: parseList(query, "user") ?? parseList(query, "users"),
    cacheStatuses: parseList(query, "cache_status")?.map((s) => s.toLowerCase().replace(/\s+/g, "_")),
    metadata: parseMetadata(query.get("metadata")),
    // Portkey expresses cost filters in cents; records hold USD.
    costMinUsd: costMinCents === undefined ? undefined : costMinCents / 100,
    costMaxUsd: costMaxCents === undefined ? undefined : costMaxCents / 100,
    promptTokensMin: parseNumber(query, "prompt_token_min", { min: 0 }),
    promptTokensMax: parseNumber(query, "prompt_token_max", { min: 0 }),
    completionTokensMin: parseNumber(query, "completion_token_min", { min: 0 }),
    completionTokensMax: parseNumber(query, "completion_token_max", { min: 0 }),
    totalTokensMin: parseNumber(query, "total_units_min", { min: 0 }),
    totalTokensMax: parseNumber(query, "total_units_max", { min: 0 }),
    weightedFeedbackMin: parseNumber(query, "weighted_feedback_min", { min: -10, max: 10 }),
    weightedFeedbackMax: parseNumber(query, "weighted_feedback_max", { min: -10, max: 10 }),
  };
  return filters;
}
