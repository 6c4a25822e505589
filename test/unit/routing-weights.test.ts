import { describe, expect, it } from "vitest";
import { backoffMs, nextRetryDelay, retryAfterMs } from "../../shared/routing/backoff";
import { compileConfig } from "../../shared/routing/compile";
import { pickWeighted } from "../../shared/routing/executor";
import type { StrategyNode } from "../../shared/routing/plan";

/** Deterministic PRNG (mulberry32) so the statistical test cannot flake. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Chi-square critical values at p = 0.001. */
const CHI2_CRITICAL_001: Record<number, number> = { 1: 10.83, 2: 13.82, 3: 16.27 };

describe("loadbalance weights", () => {
  it.each([1, 2, 3])("hold over 6000 routings (chi-square, seed %i), weight 0 never chosen", (seed) => {
    // Prepare
    const weights = [0.5, 0, 1.5, 3];
    const plan = compileConfig({
      strategy: { mode: "loadbalance" },
      targets: weights.map((weight, i) => ({ provider: `p${i}`, api_key: "k", weight })),
    });
    const node = plan.root as StrategyNode;
    const random = mulberry32(seed);
    const counts = [0, 0, 0, 0];
    const n = 6000;

    // Act
    for (let i = 0; i < n; i++) {
      const index = pickWeighted(node, random());
      counts[index] = (counts[index] ?? 0) + 1;
    }

    // Assess
    expect(counts[1]).toBe(0);
    const total = weights.reduce((a, b) => a + b, 0);
    let chi2 = 0;
    weights.forEach((w, i) => {
      if (w === 0) return;
      const expected = (n * w) / total;
      chi2 += ((counts[i] ?? 0) - expected) ** 2 / expected;
    });
    expect(chi2).toBeLessThan(CHI2_CRITICAL_001[2] as number);
  });

  it("detects a skewed picker (the test can fail)", () => {
    // an equal split where 1:3 is configured must blow the chi-square bound
    const counts = [3000, 3000];
    const expected = [1500, 4500];
    const chi2 = counts.reduce((s, c, i) => s + (c - (expected[i] ?? 0)) ** 2 / (expected[i] ?? 1), 0);
    expect(chi2).toBeGreaterThan(CHI2_CRITICAL_001[1] as number);
  });

  it("treats a missing weight as 1 and maps the draw edges inside the range", () => {
    const node = compileConfig({
      strategy: { mode: "loadbalance" },
      targets: [
        { provider: "a", api_key: "k" },
        { provider: "b", api_key: "k", weight: 0 },
        { provider: "c", api_key: "k" },
      ],
    }).root as StrategyNode;
    expect(pickWeighted(node, 0)).toBe(0);
    expect(pickWeighted(node, 0.4999)).toBe(0);
    expect(pickWeighted(node, 0.5)).toBe(2);
    expect(pickWeighted(node, 0.999999)).toBe(2);
  });
});

describe("retry timing", () => {
  const timing = { baseDelayMs: 100, maxDelayMs: 1000, maxTotalWaitMs: 3000 };

  it("reads Retry-After as seconds, as an HTTP date, and retry-after-ms first", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterMs({ "retry-after": "3" }, now)).toBe(3000);
    expect(retryAfterMs({ "retry-after": "Thu, 01 Jan 2026 00:00:05 GMT" }, now)).toBe(5000);
    expect(retryAfterMs({ "retry-after": "3", "retry-after-ms": "120" }, now)).toBe(120);
    expect(retryAfterMs({ "retry-after": "soon" }, now)).toBeUndefined();
    expect(retryAfterMs({}, now)).toBeUndefined();
  });

  it("backs off exponentially with full jitter, capped", () => {
    expect(backoffMs(0, timing, () => 0.999)).toBe(99);
    expect(backoffMs(3, timing, () => 0.999)).toBe(799);
    expect(backoffMs(10, timing, () => 0.999)).toBe(999);
    expect(backoffMs(10, timing, () => 0)).toBe(0);
  });

  it("refuses a Retry-After longer than the remaining budget, and clips computed waits to it", () => {
    expect(nextRetryDelay(0, { "retry-after": "5" }, timing, 3000, () => 0.5)).toBeUndefined();
    expect(nextRetryDelay(0, { "retry-after": "2" }, timing, 3000, () => 0.5)).toBe(2000);
    expect(nextRetryDelay(5, undefined, timing, 200, () => 0.9)).toBe(200);
  });
});
