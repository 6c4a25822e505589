import { describe, expect, it } from "vitest";
import { RateLimitError } from "../../shared/core/errors";
import type { RateLimitScope } from "../../shared/limits/limit-types";
import { formatDuration, SlidingWindowRateLimiter, waitUntilAdmitted } from "../../shared/limits/rate-limiter";
import { MemoryWindowCounter } from "../../shared/limits/window-counter";

function setup(startMs: number) {
  const clock = { ms: startMs };
  const limiter = new SlidingWindowRateLimiter(new MemoryWindowCounter(() => clock.ms), () => clock.ms);
  return { clock, limiter };
}

const rpm3: RateLimitScope = {
  workspaceId: "ws1",
  kind: "api_key",
  id: "k1",
  rule: { type: "requests", unit: "rpm", value: 3 },
};
const tpm100: RateLimitScope = { ...rpm3, rule: { type: "tokens", unit: "rpm", value: 100 } };
const MINUTE = Date.UTC(2026, 10, 15, 12, 0, 0);

describe("sliding-window rate limiter", () => {
  it("admits `value` requests per minute, then answers 429 with retry-after and OpenAI headers", async () => {
    // Prepare
    const { limiter } = setup(MINUTE + 1_000);
    const tickets = [];
    for (let i = 0; i < 3; i++) tickets.push(await limiter.acquire([rpm3]));
    // Act
    const refusal = limiter.acquire([rpm3]);
    // Assess
    expect(tickets.map((t) => t.headers["x-ratelimit-remaining-requests"])).toEqual(["2", "1", "0"]);
    expect(tickets[0]?.headers["x-ratelimit-limit-requests"]).toBe("3");
    expect(tickets[0]?.headers["x-ratelimit-reset-requests"]).toBe("59s");
    await expect(refusal).rejects.toBeInstanceOf(RateLimitError);
    const err = (await refusal.catch((e: unknown) => e)) as RateLimitError;
    expect(err.statusCode).toBe(429);
    // 59 s to the next minute, then 20 s more until the full previous minute weighs 3 x 2/3 = 2, leaving room for one
    expect(err.headers["retry-after"]).toBe("79");
    expect(err.headers["x-ratelimit-remaining-requests"]).toBe("0");
  });

  it("weights the previous window: just after a full minute, little room; late in the next, most of it", async () => {
    // Prepare: fill the first minute completely
    const { limiter, clock } = setup(MINUTE + 1_000);
    for (let i = 0; i < 3; i++) await limiter.acquire([rpm3]);
    // Act: 10 s into the next minute the previous one still weighs 3 x 50/60 = 2.5
    clock.ms = MINUTE + 70_000;
    const early = await limiter.acquire([rpm3]).catch((e: unknown) => e);
    clock.ms = MINUTE + 115_000; // 55 s in: 3 x 5/60 = 0.25
    const late1 = await limiter.acquire([rpm3]).catch((e: unknown) => e);
    const late2 = await limiter.acquire([rpm3]).catch((e: unknown) => e);
    // Assess
    expect(early).toBeInstanceOf(RateLimitError);
    expect(late1).not.toBeInstanceOf(Error);
    expect(late2).not.toBeInstanceOf(Error);
  });

  it("token limits admit while under the limit and count the real tokens after the answer", async () => {
    // Prepare
    const { limiter } = setup(MINUTE + 1_000);
    const first = await limiter.acquire([tpm100]);
    // Act
    await limiter.recordTokens(first, 120);
    const refusal = limiter.acquire([tpm100]);
    // Assess
    expect(first.headers["x-ratelimit-remaining-tokens"]).toBe("100");
    await expect(refusal).rejects.toThrow(/100 tokens per minute/);
  });

  it("does not count a refused request against the other scopes", async () => {
    // Prepare
    const { limiter } = setup(MINUTE + 1_000);
    const vk: RateLimitScope = { ...rpm3, kind: "virtual_key", id: "vk", rule: { ...rpm3.rule, value: 1 } };
    await limiter.acquire([vk]);
    // Act
    for (let i = 0; i < 5; i++) await limiter.acquire([rpm3, vk]).catch(() => undefined);
    const stillThree = await limiter.acquire([rpm3]);
    // Assess
    expect(stillThree.headers["x-ratelimit-remaining-requests"]).toBe("2");
  });

  it("computes retry-after from the previous window's decay and formats durations as OpenAI does", () => {
    // Prepare / Act / Assess
    expect(waitUntilAdmitted(10, 10, 0, 0, 60_000, 1_000)).toBeCloseTo(5_000, 5); // 10 x (1 - f) <= 9 -> f >= 0.1
    expect(waitUntilAdmitted(10, 0, 10, 0, 60_000, 30_000)).toBeCloseTo(36_000, 5); // next window, f >= 0.1
    expect(formatDuration(20)).toBe("20ms");
    expect(formatDuration(1_500)).toBe("1.5s");
    expect(formatDuration(360_000)).toBe("6m0s");
    expect(formatDuration(3_723_000)).toBe("1h2m3s");
  });
});
