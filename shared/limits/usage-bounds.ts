import type { Usage } from "../providers/types";
import type { RequestEstimate } from "./pricing";

/**
 * Usage numbers come from the upstream, and a client can choose its upstream (`x-portkey-custom-host`, an inline
 * config's `custom_host`). Before a usage reaches a budget, a rate limit or the log it is checked here:
 *
 * - every number (prompt, completion, total, cached, cache creation, reasoning tokens) becomes an integer in
 *   [0, MAX_USAGE_TOKENS]: negative -> 0, fractional -> rounded, above the bound (or infinite) -> the bound,
 *   not a number -> 0; `cached_tokens` <= `prompt_tokens`, `reasoning_tokens` <= `completion_tokens`, and
 *   `total_tokens` >= prompt + completion;
 * - a reply from a host the client chose is billed within its reservation: prompt tokens are the gateway's own
 *   estimate of what it sent (the reservation's minimum), completion tokens at most those reserved, no cached
 *   discount. So such a reply is charged at least the prompt estimate and at most the reservation, whatever it
 *   says.
 *
 * What was done is reported as an anomaly, for the request log (`usage_anomaly`).
 */
export const MAX_USAGE_TOKENS = 10_000_000;

/** A client-chosen host reporting fewer prompt tokens than this share of the estimate is implausible. */
export const IMPLAUSIBLE_PROMPT_SHARE = 0.25;

export const USAGE_ANOMALIES = ["out_of_range", "over_reservation", "below_minimum"] as const;
/**
 * `out_of_range`: a number was negative, fractional, not finite or above MAX_USAGE_TOKENS and was clamped.
 * `over_reservation`: a client-chosen host reported more tokens than the request reserved (charged the reservation).
 * `below_minimum`: a client-chosen host reported under a quarter of the estimated prompt (charged the estimate).
 */
export type UsageAnomaly = (typeof USAGE_ANOMALIES)[number];

export interface CheckedUsage {
  readonly usage: Usage;
  readonly anomaly: UsageAnomaly | undefined;
}

function clamp(value: number, flag: { out: boolean }): number {
  if (Number.isNaN(value) || value < 0) {
    flag.out = true;
    return 0;
  }
  if (value > MAX_USAGE_TOKENS) {
    flag.out = true;
    return MAX_USAGE_TOKENS;
  }
  if (!Number.isInteger(value)) {
    flag.out = true;
    return Math.round(value);
  }
  return value;
}

function optional(value: number | undefined, flag: { out: boolean }): number | undefined {
  return value === undefined ? undefined : clamp(value, flag);
}

/** The usage with every number a non-negative integer within bounds (the same object when it already was). */
export function sanitizeUsage(reported: Usage): CheckedUsage {
  const flag = { out: false };
  const prompt = clamp(reported.prompt_tokens, flag);
  const completion = clamp(reported.completion_tokens, flag);
  const total = Math.max(clamp(reported.total_tokens, flag), prompt + completion);
  const cached = optional(reported.cached_tokens, flag);
  const creation = optional(reported.cache_creation_tokens, flag);
  const creationHour = optional(reported.cache_creation_1h_tokens, flag);
  const reasoning = optional(reported.reasoning_tokens, flag);
  const consistent =
    total === reported.total_tokens &&
    (cached === undefined || cached <= prompt) &&
    (reasoning === undefined || reasoning <= completion);
  if (!flag.out && consistent) return { usage: reported, anomaly: undefined };
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: total };
  if (cached !== undefined) usage.cached_tokens = Math.min(cached, prompt);
  if (creation !== undefined) usage.cache_creation_tokens = creation;
  if (creationHour !== undefined) usage.cache_creation_1h_tokens = creationHour;
  if (reasoning !== undefined) usage.reasoning_tokens = Math.min(reasoning, completion);
  return { usage, anomaly: flag.out ? "out_of_range" : undefined };
}

/**
 * The usage billed for a reply from a host the client chose, given the request's estimate: the reported prompt
 * tokens kept between `IMPLAUSIBLE_PROMPT_SHARE` of the estimate and the estimate (the estimate is an upper bound,
 * about 4x an English prompt's count, so billing it whole would overcharge an honest host; a host reporting less
 * than the floor is billed the floor), the reported completion tokens up to those reserved, no cached discount.
 */
export function boundUntrustedUsage(reported: Usage, estimate: RequestEstimate): CheckedUsage {
  const checked = sanitizeUsage(reported);
  const { prompt_tokens: prompt, completion_tokens: reportedCompletion } = checked.usage;
  const completion = Math.min(reportedCompletion, estimate.completionTokens);
  const promptFloor = Math.ceil(estimate.promptTokens * IMPLAUSIBLE_PROMPT_SHARE);
  const billedPrompt = Math.min(Math.max(prompt, promptFloor), estimate.promptTokens);
  const usage: Usage = {
    prompt_tokens: billedPrompt,
    completion_tokens: completion,
    total_tokens: billedPrompt + completion,
  };
  const reasoning = checked.usage.reasoning_tokens;
  if (reasoning !== undefined) usage.reasoning_tokens = Math.min(reasoning, completion);
  const overReserved =
    reportedCompletion > estimate.completionTokens ||
    prompt + reportedCompletion > estimate.promptTokens + estimate.completionTokens;
  const anomaly =
    checked.anomaly ??
    (overReserved
      ? "over_reservation"
      : prompt < estimate.promptTokens * IMPLAUSIBLE_PROMPT_SHARE
        ? "below_minimum"
        : undefined);
  return { usage, anomaly };
}
