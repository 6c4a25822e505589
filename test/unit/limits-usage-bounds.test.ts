import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { costMicrosOf, type RequestEstimate } from "../../shared/limits/pricing";
import {
  boundUntrustedUsage,
  IMPLAUSIBLE_PROMPT_SHARE,
  MAX_USAGE_TOKENS,
  sanitizeUsage,
} from "../../shared/limits/usage-bounds";
import type { Usage } from "../../shared/providers/types";

const PRICE = { inputPerMTok: 2.5, outputPerMTok: 10, cachedInputPerMTok: 1.25 };
const ESTIMATE: RequestEstimate = { promptTokens: 104, completionTokens: 10, completionCapped: false };

/** Whatever a hostile upstream can make a usage reader produce: any double, including NaN and infinities. */
const anyNumber = fc.oneof(
  fc.double(),
  fc.integer({ min: -1e9, max: 1e9 }),
  fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 1e15, MAX_USAGE_TOKENS + 1),
);
const anyUsage = fc.record(
  {
    prompt_tokens: anyNumber,
    completion_tokens: anyNumber,
    total_tokens: anyNumber,
    cached_tokens: anyNumber,
    cache_creation_tokens: anyNumber,
    reasoning_tokens: anyNumber,
  },
  { requiredKeys: ["prompt_tokens", "completion_tokens", "total_tokens"] },
);

function isCount(n: number | undefined): boolean {
  return n === undefined || (Number.isInteger(n) && n >= 0 && n <= 2 * MAX_USAGE_TOKENS);
}

describe("usage bounds (what an upstream's usage may do to a budget)", () => {
  it("turns any reported numbers into non-negative integers within bounds, with a cost that is never negative", () => {
    fc.assert(
      fc.property(anyUsage, (reported: Usage) => {
        // Act
        const { usage } = sanitizeUsage(reported);
        // Assess
        for (const value of Object.values(usage)) expect(isCount(value)).toBe(true);
        expect(usage.prompt_tokens).toBeLessThanOrEqual(MAX_USAGE_TOKENS);
        expect(usage.completion_tokens).toBeLessThanOrEqual(MAX_USAGE_TOKENS);
        expect(usage.total_tokens).toBeGreaterThanOrEqual(usage.prompt_tokens + usage.completion_tokens);
        expect(usage.cached_tokens ?? 0).toBeLessThanOrEqual(usage.prompt_tokens);
        expect(costMicrosOf(usage, PRICE)).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it("leaves an honest usage alone (same object, no anomaly) and flags what it had to clamp", () => {
    // Prepare
    const honest: Usage = { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15, cached_tokens: 4 };
    // Act
    const kept = sanitizeUsage(honest);
    const negative = sanitizeUsage({ prompt_tokens: -100_000_000, completion_tokens: 3, total_tokens: -99_999_997 });
    const huge = sanitizeUsage({ prompt_tokens: 1e15, completion_tokens: Infinity, total_tokens: 1 });
    const fractional = sanitizeUsage({ prompt_tokens: 2.6, completion_tokens: 1, total_tokens: 3.6 });
    // Assess
    expect(kept).toEqual({ usage: honest, anomaly: undefined });
    expect(kept.usage).toBe(honest);
    expect(negative).toEqual({
      usage: { prompt_tokens: 0, completion_tokens: 3, total_tokens: 3 },
      anomaly: "out_of_range",
    });
    expect(huge.usage).toMatchObject({ prompt_tokens: MAX_USAGE_TOKENS, completion_tokens: MAX_USAGE_TOKENS });
    expect(huge.anomaly).toBe("out_of_range");
    expect(fractional.usage).toMatchObject({ prompt_tokens: 3, total_tokens: 4 });
  });

  it("bills a client-chosen host between a quarter of the prompt estimate and the reservation, whatever it reports", () => {
    const reservation = costMicrosOf(
      { prompt_tokens: ESTIMATE.promptTokens, completion_tokens: ESTIMATE.completionTokens, total_tokens: 114 },
      PRICE,
    );
    const floorTokens = Math.ceil(ESTIMATE.promptTokens * IMPLAUSIBLE_PROMPT_SHARE);
    const floor = costMicrosOf({ prompt_tokens: floorTokens, completion_tokens: 0, total_tokens: floorTokens }, PRICE);
    fc.assert(
      fc.property(anyUsage, (reported: Usage) => {
        // Act
        const { usage } = boundUntrustedUsage(reported, ESTIMATE);
        const cost = costMicrosOf(usage, PRICE);
        // Assess
        expect(cost).toBeGreaterThanOrEqual(floor);
        expect(cost).toBeLessThanOrEqual(reservation);
        expect(usage.total_tokens).toBeLessThanOrEqual(ESTIMATE.promptTokens + ESTIMATE.completionTokens);
      }),
    );
  });

  it("bills an honest client-chosen host the prompt it reports, within the estimate", () => {
    // Act: a host reporting half the estimate (an English prompt is about a quarter of its UTF-8 bytes)
    const half = Math.ceil(ESTIMATE.promptTokens / 2);
    const { usage } = boundUntrustedUsage(
      { prompt_tokens: half, completion_tokens: 5, total_tokens: half + 5 },
      ESTIMATE,
    );
    // Assess
    expect(usage).toEqual({ prompt_tokens: half, completion_tokens: 5, total_tokens: half + 5 });
  });

  it("says why a client-chosen host's usage was not taken as reported", () => {
    const bound = (prompt: number, completion: number) =>
      boundUntrustedUsage(
        { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
        ESTIMATE,
      ).anomaly;
    expect(bound(90, 8)).toBeUndefined();
    expect(bound(-5, 8)).toBe("out_of_range");
    expect(bound(90, 11)).toBe("over_reservation");
    expect(bound(5000, 9000)).toBe("over_reservation");
    expect(bound(0, 3)).toBe("below_minimum");
  });
});
