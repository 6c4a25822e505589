import { describe, expect, it } from "vitest";
import { PriceUnknownError } from "../../shared/limits/budget-errors";
import type { LimitedOwner } from "../../shared/limits/limit-types";
import { costMicrosOf, DEFAULT_COMPLETION_CAP, estimateRequest, type PriceFor } from "../../shared/limits/pricing";
import { memoryLimits } from "../support/memory-limits";

const prices: PriceFor = (provider, model) =>
  provider === "openai" && model === "gpt-4o-mini"
    ? { inputPerMTok: 0.15, outputPerMTok: 0.6, cachedInputPerMTok: 0.075 }
    : provider === "openai" && model === "gpt-4o"
      ? { inputPerMTok: 2.5, outputPerMTok: 10 }
      : undefined;

function setup() {
  return memoryLimits(() => Date.UTC(2026, 10, 15, 12), prices);
}

const key: LimitedOwner = {
  workspaceId: "ws1",
  kind: "api_key",
  id: "k1",
  usageLimits: [{ type: "cost", credit_limit: 1, periodic_reset: "monthly" }],
  rateLimits: [{ type: "requests", unit: "rpm", value: 100 }],
};
const body = { model: "gpt-4o-mini", messages: [{ role: "user", content: "Hello there" }], max_tokens: 100 };

describe("pricing and estimates", () => {
  it("prices in whole micro-dollars, rounding up once per request, with cached tokens at their own price", () => {
    // Prepare
    const price = { inputPerMTok: 0.15, outputPerMTok: 0.6, cachedInputPerMTok: 0.075 };
    // Act
    const cost = costMicrosOf(
      { prompt_tokens: 1000, completion_tokens: 10, total_tokens: 1010, cached_tokens: 400 },
      price,
    );
    // Assess: 600 x 0.15 + 400 x 0.075 + 10 x 0.6 = 90 + 30 + 6 = 126 micro-dollars exactly
    expect(cost).toBe(126);
    expect(costMicrosOf({ prompt_tokens: 1, completion_tokens: 0, total_tokens: 1 }, price)).toBe(1);
  });

  it("reserves max_tokens x n, or the documented cap when the request names no max", () => {
    // Prepare / Act
    const named = estimateRequest("chat", { ...body, n: 2 }, DEFAULT_COMPLETION_CAP);
    const unnamed = estimateRequest("chat", { messages: body.messages }, DEFAULT_COMPLETION_CAP);
    // Assess
    expect(named).toMatchObject({ completionTokens: 200, completionCapped: false });
    expect(unnamed).toMatchObject({ completionTokens: DEFAULT_COMPLETION_CAP, completionCapped: true });
    expect(named.promptTokens).toBeGreaterThanOrEqual(Math.ceil("Hello there".length / 4));
  });
});

describe("request limits (what the gateway core calls)", () => {
  it("reserves the most expensive candidate and settles each attempt at the model that answered", async () => {
    // Prepare
    const { limits, ledger } = setup();
    const gate = await limits.checkRateLimits([key]);
    // Act
    const admission = await limits.reserve(gate, {
      requestId: "req-1",
      endpoint: "chat",
      body,
      candidates: [
        { provider: "openai", model: "gpt-4o-mini" },
        { provider: "openai", model: "gpt-4o" },
      ],
    });
    const outcome = await admission.settle([
      {
        provider: "openai",
        model: "gpt-4o-mini",
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      },
    ]);
    const repeated = await admission.settle([]);
    // Assess
    expect(gate.headers["x-ratelimit-remaining-requests"]).toBe("99");
    expect(outcome.reserved.costMicros).toBeGreaterThan(1000); // priced at gpt-4o: 100 output tokens x $10/MTok
    expect(outcome.settled).toEqual({ costMicros: 5, tokens: 15 }); // 10 x 0.15 + 5 x 0.6 = 4.5 -> 5
    expect(repeated).toBe(outcome);
    expect(await ledger.current({ ...key, limit: key.usageLimits![0]! })).toMatchObject({
      spent: 0.000005,
      reserved: 0,
    });
  });

  it("refuses a cost-limited request to a model without a price before any upstream call", async () => {
    // Prepare
    const { limits } = setup();
    const gate = await limits.checkRateLimits([key]);
    // Act
    const refusal = limits.reserve(gate, {
      requestId: "req-2",
      endpoint: "chat",
      body,
      candidates: [{ provider: "acme", model: "mystery-1" }],
    });
    // Assess
    await expect(refusal).rejects.toBeInstanceOf(PriceUnknownError);
    await expect(refusal).rejects.toMatchObject({ statusCode: 412, code: "budget_price_unknown" });
  });

  it("charges the reserved upper bound for an attempt whose usage is unknown", async () => {
    // Prepare
    const { limits } = setup();
    const gate = await limits.checkRateLimits([key]);
    const admission = await limits.reserve(gate, {
      requestId: "req-3",
      endpoint: "chat",
      body,
      candidates: [{ provider: "openai", model: "gpt-4o-mini" }],
    });
    // Act
    const outcome = await admission.settle([{ provider: "openai", model: "gpt-4o-mini", usage: "unknown" }]);
    // Assess
    expect(outcome.settled).toEqual(outcome.reserved);
  });

  it("never settles a negative charge, even from usage that slipped past the checks", async () => {
    // Prepare
    const { limits, ledger } = setup();
    const gate = await limits.checkRateLimits([key]);
    const admission = await limits.reserve(gate, {
      requestId: "req-4",
      endpoint: "chat",
      body,
      candidates: [{ provider: "openai", model: "gpt-4o-mini" }],
    });
    // Act
    const outcome = await admission.settle([
      {
        provider: "openai",
        model: "gpt-4o-mini",
        usage: { prompt_tokens: -100_000_000, completion_tokens: -5, total_tokens: -100_000_005 },
      },
    ]);
    // Assess
    expect(outcome.settled).toEqual({ costMicros: 0, tokens: 0 });
    const snapshot = await ledger.current({
      ...key,
      limit: { type: "cost", credit_limit: 1, periodic_reset: "monthly" },
    });
    expect(snapshot.spent).toBe(0);
  });
});
