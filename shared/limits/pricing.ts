import { ENDPOINTS, type Endpoint } from "../core/endpoints";
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
  const uncached = usage.prompt_tokens - cached - written;
  const pico =
    picoUsd(uncached, price.inputPerMTok) +
    picoUsd(cached, price.cachedInputPerMTok ?? price.inputPerMTok) +
    picoUsd(written, price.cacheWriteInputPerMTok ?? price.inputPerMTok) +
    picoUsd(usage.completion_tokens, price.outputPerMTok);
  return picoToMicrosCeil(pico);
}

/** A bounded guess of what one request can cost, made before any upstream call. */
export interface RequestEstimate {
  readonly promptTokens: number;
  /** Completion tokens reserved: `max_completion_tokens` / `max_tokens` x `n`, or the default cap. */
  readonly completionTokens: number;
  /** True when the request named no max and the default cap was used (the answer may run past it). */
  readonly completionCapped: boolean;
}

/**
 * Completion tokens reserved for a request that names no `max_tokens`. Documented in docs/budgets-and-rate-limits.md;
 * the gateway core passes it explicitly (no hidden default inside the estimator).
 */
export const DEFAULT_COMPLETION_CAP = 4096;
/** Prompt tokens counted per image part: a 2048x2048 high-detail image is 1,105 tokens on OpenAI's scale. */
export const IMAGE_PART_TOKENS = 1_500;
const PER_MESSAGE_OVERHEAD = 4;

/**
 * Prompt tokens estimated from the text of the body field the endpoint table names (`estimate.prompt`) as UTF-8
 * bytes / 3: above the real count for English (~4 characters a token) and about right for CJK (3 bytes a
 * character, ~1 token). Images count a fixed amount. Completion tokens as the row says (`estimate.completion`).
 */
export function estimateRequest(
  endpoint: Endpoint,
  body: Readonly<Record<string, unknown>>,
  completionCap: number,
): RequestEstimate {
  const { prompt, completion } = ENDPOINTS[endpoint].estimate;
  const textBytes = countTextBytes(prompt === undefined ? undefined : body[prompt]);
  const messages = Array.isArray(body.messages) ? body.messages.length : 1;
  const promptTokens =
    Math.ceil(textBytes.bytes / 3) + messages * PER_MESSAGE_OVERHEAD + textBytes.images * IMAGE_PART_TOKENS;
  if (!completion) return { promptTokens, completionTokens: 0, completionCapped: false };
  const n = typeof body.n === "number" && body.n > 1 ? Math.floor(body.n) : 1;
  const named = firstNumber(body.max_completion_tokens, body.max_tokens, body.max_output_tokens);
  const perChoice = named ?? completionCap;
  return { promptTokens, completionTokens: perChoice * n, completionCapped: named === undefined };
}

function firstNumber(...values: unknown[]): number | undefined {
  for (const v of values) if (typeof v === "number" && Number.isFinite(v) && v >= 0) return Math.ceil(v);
  return undefined;
}

/** Bytes of every string inside a value (message text, tool call arguments...), images counted apart. */
function countTextBytes(value: unknown): { bytes: number; images: number } {
  const acc = { bytes: 0, images: 0 };
  walk(value, acc);
  return acc;
}

function walk(value: unknown, acc: { bytes: number; images: number }): void {
  if (typeof value === "string") {
    acc.bytes += Buffer.byteLength(value, "utf8");
  } else if (Array.isArray(value)) {
    for (const item of value) walk(item, acc);
  } else if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (obj.type === "image_url" || obj.type === "input_image") {
      acc.images += 1;
      return;
    }
    for (const v of Object.values(obj)) walk(v, acc);
  }
}

/**
 * Upper bound of a request's charge over every model it may be routed to (fallback/loadbalance targets): the
 * highest price wins. Throws `PriceUnknownError` when a cost limit applies and a candidate has no price.
 */
export function upperBoundCharge(
  estimate: RequestEstimate,
  candidates: readonly { provider: string; model: string }[],
  priceFor: PriceFor,
  needsCost: boolean,
): Charge {
  const tokens = estimate.promptTokens + estimate.completionTokens;
  if (!needsCost) return { costMicros: 0, tokens };
  let costMicros = 0;
  for (const c of candidates) {
    const price = priceFor(c.provider, c.model);
    if (!price) throw new PriceUnknownError(c.provider, c.model);
    const usage: Usage = {
      prompt_tokens: estimate.promptTokens,
      completion_tokens: estimate.completionTokens,
      total_tokens: tokens,
    };
    costMicros = Math.max(costMicros, costMicrosOf(usage, price));
  }
  return { costMicros, tokens };
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
