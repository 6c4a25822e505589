import { MODEL_PRICES, ONE_HOUR_CACHE_WRITE_MULTIPLIER, PROVIDER_PRICE_ALIASES, type PriceTriple } from "./prices";

export interface CostInput {
  provider: string;
  model: string;
  /** OpenAI semantics: prompt_tokens INCLUDES cached_tokens (providers normalise to this before logging). */
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens?: number;
  /** Prompt tokens written to the provider's prompt cache (also INCLUDED in prompt_tokens). */
  cache_creation_tokens?: number;
  /** Of `cache_creation_tokens`, those written to a 1-hour cache (2x input). */
  cache_creation_1h_tokens?: number;
}

const PER_MILLION = 1_000_000;

/** Version/date suffixes providers append to a base model id; stripped one at a time, longest first. */
const SUFFIX_PATTERNS: readonly RegExp[] = [
  /-\d{4}-\d{2}-\d{2}$/, // gpt-4o-2024-08-06
  /-\d{8}$/, // claude-3-5-sonnet-20241022
  /-\d{2}-\d{4}$/, // command-r-08-2024
  /-\d{4}$/, // mistral-large-2411
  /-(?:latest|preview|exp|v\d+(?:\.\d+)?)$/, // mistral-small-latest, ...-preview
  /@\d+$/, // vertex: gemini-1.5-pro@002
  /-\d{3}$/, // gemini-1.5-pro-002
];

/** Bedrock cross-region inference profiles prefix the model id with a geography. */
const BEDROCK_PROFILE_PREFIX = /^(?:us|eu|apac|jp|au|ca|global|us-gov)\./;

const resolved = new Map<string, PriceTriple | null>();

/** The price table's name for a provider (its own, or the one it bills like: `vertex-ai` -> `google`). */
export function priceTableName(provider: string): string {
  const key = provider.toLowerCase();
  // Own keys only: a client-chosen name such as `constructor` must never reach Object.prototype.
  const alias = Object.hasOwn(PROVIDER_PRICE_ALIASES, key) ? PROVIDER_PRICE_ALIASES[key] : undefined;
  return alias ?? key;
}

function tableFor(provider: string): Readonly<Record<string, PriceTriple>> | undefined {
  const name = priceTableName(provider);
  return Object.hasOwn(MODEL_PRICES, name) ? MODEL_PRICES[name] : undefined;
}

function lookup(table: Readonly<Record<string, PriceTriple>>, model: string): PriceTriple | null {
  const key = lookupKey(table, model);
  return key === null ? null : (table[key] ?? null);
}

/** The price table's id for a model (exact, or after stripping version suffixes), or null. */
function lookupKey(table: Readonly<Record<string, PriceTriple>>, model: string): string | null {
  let candidate = model.toLowerCase().replace(BEDROCK_PROFILE_PREFIX, "");
  if (Object.hasOwn(table, candidate)) return candidate;
  // Strip suffixes repeatedly (e.g. `-2024-08-06`, then nothing) until a listed id or no change.
  for (let round = 0; round < 3; round++) {
    let changed = false;
    for (const pattern of SUFFIX_PATTERNS) {
      const stripped = candidate.replace(pattern, "");
      if (stripped !== candidate && stripped.length > 0) {
        candidate = stripped;
        changed = true;
        if (Object.hasOwn(table, candidate)) return candidate;
        break;
      }
    }
    if (!changed) break;
  }
  return null;
}

/** The price triple for a provider/model, or null when unknown. Memoised per (provider, model). */
export function priceFor(provider: string, model: string): PriceTriple | null {
  const key = `${provider}\u0000${model}`;
  const cached = resolved.get(key);
  if (cached !== undefined) return cached;
  const table = tableFor(provider);
  const price = table ? lookup(table, model) : null;
  if (resolved.size < 10_000) resolved.set(key, price);
  return price;
}

/**
 * The price table's id of a provider's model (`gpt-4o-mini-2024-07-18` -> `gpt-4o-mini`), or null when the table
 * does not know it: a bounded set of names, for places where every distinct name costs something (metric series).
 */
export function priceTableModel(provider: string, model: string): string | null {
  const table = tableFor(provider);
  return table ? lookupKey(table, model) : null;
}

/**
 * Cost in USD of one request, or `null` when the model has no known price (unknown is not free: analytics show it
 * as missing, budgets treat it per their own policy). Cached tokens bill at the cached-input rate when the model
 * has one, else as ordinary input; cache writes at the cache-write rate when the model has one, else as input.
 */
export function computeCost(input: CostInput): number | null {
  const price = priceFor(input.provider, input.model);
  if (!price) return null;
  const [inputRate, outputRate, cachedRate, cacheWriteRate] = price;
  const prompt = Math.max(input.prompt_tokens, 0);
  const cached = Math.min(Math.max(input.cached_tokens ?? 0, 0), prompt);
  const written = Math.min(Math.max(input.cache_creation_tokens ?? 0, 0), prompt - cached);
  const writtenHour = Math.min(Math.max(input.cache_creation_1h_tokens ?? 0, 0), written);
  const uncached = prompt - cached - written;
  const scaled =
    uncached * inputRate +
    cached * (cachedRate ?? inputRate) +
    (written - writtenHour) * (cacheWriteRate ?? inputRate) +
    writtenHour * inputRate * ONE_HOUR_CACHE_WRITE_MULTIPLIER +
    Math.max(input.completion_tokens, 0) * outputRate;
  return scaled / PER_MILLION;
}

/** Upper bound for a budget reservation: every prompt token uncached, `maxOutputTokens` generated. */
export function maxCost(provider: string, model: string, promptTokens: number, maxOutputTokens: number): number | null {
  const price = priceFor(provider, model);
  if (!price) return null;
  return (promptTokens * price[0] + maxOutputTokens * price[1]) / PER_MILLION;
}
