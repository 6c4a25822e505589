import { ENDPOINTS, type Endpoint } from "../core/endpoints";
import { ONE_HOUR_CACHE_WRITE_MULTIPLIER } from "../pricing/prices";
import type { Usage } from "../providers/types";
import { PriceUnknownError } from "./budget-errors";

/** Prices in USD per million tokens, as the pricing table (another module) provides them. */
export interface ModelPrice {
  readonly inputPerMTok: number;
  readonly outputPerMTok: number;
  /** Price of cached prompt tokens; the input price applies when absent. */
  readonly cachedInputPerMTok?: number;
  /** Price of prompt tokens written to the provider's cache; the input price applies when absent. */
  readonly cacheWriteInputPerMTok?: number;
}

export type PriceFor = (provider: string, model: string) => ModelPrice | undefined;

/** Ledger amounts: cost in integer micro-dollars (1e-6 USD), tokens as integers. Floats never reach a counter. */
export interface Charge {
  readonly costMicros: number;
  readonly tokens: number;
}

export const ZERO_CHARGE: Charge = Object.freeze({ costMicros: 0, tokens: 0 });

/** A USD amount from the wire (e.g. `credit_limit: 10.5`) in micro-dollars. */
export function usdToMicros(usd: number): number {
  return Math.round(usd * 1_000_000);
}

export function microsToUsd(micros: number): number {
  return micros / 1_000_000;
}

/**
 * Cost of `tokens` at `perMTok` USD per million tokens, in units of 1e-12 USD (so a per-MTok price with up to six
 * decimals is an exact integer: 0.15 USD/MTok -> 150_000 units per token). Summed per request, then rounded UP to
 * whole micro-dollars once, so a request never costs less than its true price.
 */
function picoUsd(tokens: number, perMTok: number): number {
  return tokens * Math.round(perMTok * 1_000_000);
}

function picoToMicrosCeil(pico: number): number {
  return Math.floor((pico + 999_999) / 1_000_000);
}

export function costMicrosOf(usage: Usage, price: ModelPrice): number {
  const cached = Math.min(usage.cached_tokens ?? 0, usage.prompt_tokens);
  const written = Math.min(usage.cache_creation_tokens ?? 0, usage.prompt_tokens - cached);
  const writtenHour = Math.min(usage.cache_creation_1h_tokens ?? 0, written);
  const uncached = usage.prompt_tokens - cached - written;
  const pico =
    picoUsd(uncached, price.inputPerMTok) +
    picoUsd(cached, price.cachedInputPerMTok ?? price.inputPerMTok) +
    picoUsd(written - writtenHour, price.cacheWriteInputPerMTok ?? price.inputPerMTok) +
    picoUsd(writtenHour, price.inputPerMTok * ONE_HOUR_CACHE_WRITE_MULTIPLIER) +
    picoUsd(usage.completion_tokens, price.outputPerMTok);
  return picoToMicrosCeil(pico);
}

/** An upper bound of what one request can use, made before any upstream call (ADR 0026). */
export interface RequestEstimate {
  readonly promptTokens: number;
  /** Completion tokens reserved: the largest named cap x choices x prompts, or the default cap. */
  readonly completionTokens: number;
  /** True when the request named no max and the default cap was used (the answer may run past it). */
  readonly completionCapped: boolean;
}

/**
 * Completion tokens reserved for a request that names no `max_tokens`. Documented in docs/budgets-and-rate-limits.md;
 * the gateway core passes it explicitly (no hidden default inside the estimator).
 */
export const DEFAULT_COMPLETION_CAP = 4096;
/**
 * Prompt tokens counted per image part, above the largest image of OpenAI's documented formulas (gpt-4.1-nano:
 * 1,536 patches x 2.46 = 3,779; gpt-4o high detail: 1,445), Anthropic's (about 1,600) and Gemini's. gpt-4o-mini
 * (up to 48,169 per image) is the documented exception.
 */
export const IMAGE_PART_TOKENS = 4_000;
/** OpenAI's documented count per message (`<|start|>{role}<|message|>...<|end|>`); the role is counted as text. */
export const PER_MESSAGE_TOKENS = 3;
/** OpenAI's documented count that primes the reply (`<|start|>assistant<|message|>`), when there is one. */
export const REPLY_PRIMING_TOKENS = 3;
/** What a tokenizer may add around each text: a start and an end token (BERT-style, SentencePiece's prefix). */
export const PER_TEXT_TOKENS = 2;
/** The system prompt a provider adds when tools are given (Anthropic documents up to 346 tokens). */
export const TOOLS_PREAMBLE_TOKENS = 500;
const TOOL_FIELDS: ReadonlySet<string> = new Set(["tools", "functions"]);
const IMAGE_PARTS: ReadonlySet<unknown> = new Set(["image_url", "input_image", "image"]);
const DEFAULT_COMPLETION_FIELDS = ["max_completion_tokens", "max_tokens"] as const;
const DEFAULT_CHOICE_FIELDS = ["n"] as const;

/**
 * An upper bound of the usage a provider reports for the request, from the body fields its endpoint row names
 * (`estimate` in shared/core/endpoints.ts). Prompt: one token per UTF-8 byte of every string, object key and
 * number in the prompt fields (a byte-level BPE never makes more tokens than bytes; a SentencePiece with byte
 * fallback neither), + `PER_TEXT_TOKENS` per string, + `PER_MESSAGE_TOKENS` per item of a list of objects
 * (messages, input items, tools), + `REPLY_PRIMING_TOKENS` when a completion is reserved, +
 * `TOOLS_PREAMBLE_TOKENS` when tools are given, + `IMAGE_PART_TOKENS` per image (its URL or bytes are not
 * counted). Completion: the largest cap field present (else `completionCap`) x the largest choices field
 * (`n`, `best_of`) x the prompts of a batch.
 */
export function estimateRequest(
  endpoint: Endpoint,
  body: Readonly<Record<string, unknown>>,
  completionCap: number,
): RequestEstimate {
  const { prompt, completion, choices, batch, pairs } = ENDPOINTS[endpoint].estimate;
  const acc: TextCount = { tokens: 0, images: 0 };
  for (const field of typeof prompt === "string" ? [prompt] : (prompt ?? [])) {
    const value = body[field];
    if (value === undefined || value === null) continue;
    walk(value, acc);
    if (Array.isArray(value) && value.length) {
      for (const item of value) if (isObject(item)) acc.tokens += PER_MESSAGE_TOKENS;
      if (TOOL_FIELDS.has(field)) acc.tokens += TOOLS_PREAMBLE_TOKENS;
    }
  }
  if (pairs) {
    const [repeated, per] = pairs;
    const items = body[per];
    if (Array.isArray(items) && items.length > 1) acc.tokens += textTokens(body[repeated]) * (items.length - 1);
  }
  let promptTokens = acc.tokens + acc.images * IMAGE_PART_TOKENS;
  if (completion === false) return { promptTokens, completionTokens: 0, completionCapped: false };
  promptTokens += REPLY_PRIMING_TOKENS;
  const named = largest(body, completion === true ? DEFAULT_COMPLETION_FIELDS : completion, 0);
  const perChoice = named ?? completionCap;
  const n = largest(body, choices ?? DEFAULT_CHOICE_FIELDS, 1) ?? 1;
  const prompts = batch === undefined ? 1 : batchSize(body[batch]);
  return { promptTokens, completionTokens: perChoice * n * prompts, completionCapped: named === undefined };
}

/** The largest of the fields that hold a number >= `min` (rounded up), or undefined when none does. */
function largest(body: Readonly<Record<string, unknown>>, fields: readonly string[], min: number): number | undefined {
  let out: number | undefined;
  for (const field of fields) {
    const v = body[field];
    if (typeof v === "number" && Number.isFinite(v) && v >= min) out = Math.max(out ?? 0, Math.ceil(v));
  }
  return out;
}

/** How many prompts a completions `prompt` holds: a list of strings or of token lists is a batch. */
function batchSize(value: unknown): number {
  if (!Array.isArray(value) || value.length === 0) return 1;
  return typeof value[0] === "number" ? 1 : value.length;
}

interface TextCount {
  tokens: number;
  images: number;
}

function textTokens(value: unknown): number {
  const acc: TextCount = { tokens: 0, images: 0 };
  walk(value, acc);
  return acc.tokens + acc.images * IMAGE_PART_TOKENS;
}

function isObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Counts every string (UTF-8 bytes + `PER_TEXT_TOKENS`), key and number; an image part counts as one image. */
function walk(value: unknown, acc: TextCount): void {
  if (typeof value === "string") {
    acc.tokens += Buffer.byteLength(value, "utf8") + PER_TEXT_TOKENS;
  } else if (typeof value === "number" || typeof value === "boolean") {
    acc.tokens += String(value).length;
  } else if (Array.isArray(value)) {
    for (const item of value) walk(item, acc);
  } else if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (IMAGE_PARTS.has(obj.type)) {
      acc.images += 1;
      return;
    }
    for (const key in obj) {
      acc.tokens += Buffer.byteLength(key, "utf8");
      walk(obj[key], acc);
    }
  }
}

/**
 * Upper bound of a request's charge over every model it may be routed to (fallback/loadbalance targets): the
 * highest price wins, prompt tokens at the model's highest prompt rate (cache writes cost more than input).
 * Throws `PriceUnknownError` when a cost limit applies and a candidate has no price.
 */
export function upperBoundCharge(
  estimate: RequestEstimate,
  candidates: readonly { provider: string; model: string }[],
  priceFor: PriceFor,
  needsCost: boolean,
): Charge {
  const tokens = estimate.promptTokens + estimate.completionTokens;
  if (!needsCost || tokens === 0) return { costMicros: 0, tokens };
  let costMicros = 0;
  for (const c of candidates) {
    const price = priceFor(c.provider, c.model);
    if (!price) throw new PriceUnknownError(c.provider, c.model);
    const usage: Usage = {
      prompt_tokens: estimate.promptTokens,
      completion_tokens: estimate.completionTokens,
      total_tokens: tokens,
    };
    costMicros = Math.max(costMicros, costMicrosOf(usage, promptAtHighest(price)));
  }
  return { costMicros, tokens };
}

/** The price with every prompt token at the highest prompt rate: a provider may report them all as cache writes. */
function promptAtHighest(price: ModelPrice): ModelPrice {
  const inputPerMTok = Math.max(price.inputPerMTok, price.cachedInputPerMTok ?? 0, price.cacheWriteInputPerMTok ?? 0);
  return inputPerMTok === price.inputPerMTok ? price : { inputPerMTok, outputPerMTok: price.outputPerMTok };
}

/** The real charge of a request: the sum over every attempt that consumed tokens, each at its own model's price. */
export function actualCharge(
  attempts: readonly { provider: string; model: string; usage: Usage }[],
  priceFor: PriceFor,
): { charge: Charge; unpriced: { provider: string; model: string }[] } {
  let costMicros = 0;
  let tokens = 0;
  const unpriced: { provider: string; model: string }[] = [];
  for (const a of attempts) {
    tokens += a.usage.total_tokens;
    const price = priceFor(a.provider, a.model);
    if (price) costMicros += costMicrosOf(a.usage, price);
    else unpriced.push({ provider: a.provider, model: a.model });
  }
  return { charge: { costMicros, tokens }, unpriced };
}
