import { describe, expect, it } from "vitest";
import { priceFromTable } from "../../shared/limits/price-table";
import { costMicrosOf, type ModelPrice } from "../../shared/limits/pricing";
import { computeCost, maxCost, priceFor } from "../../shared/pricing/cost";
import { MODEL_PRICES } from "../../shared/pricing/prices";

describe("computeCost", () => {
  it("prices a dated model id like its base model", () => {
    expect(priceFor("openai", "gpt-4o-2024-08-06")).toEqual(priceFor("openai", "gpt-4o"));
    expect(priceFor("anthropic", "claude-3-5-haiku-20241022")).toEqual([0.8, 4, 0.08, 1]);
    expect(priceFor("cohere", "command-r-08-2024")).toEqual([0.15, 0.6, null]);
    expect(priceFor("mistral", "mistral-large-latest")).toEqual([2, 6, null]);
    expect(priceFor("bedrock", "us.anthropic.claude-3-5-haiku-20241022-v1:0")).toEqual([0.8, 4, 0.08, 1]);
    expect(priceFor("azure-openai", "gpt-4o-mini")).toEqual([0.15, 0.6, 0.075]);
  });

  it("bills cached prompt tokens at the cached rate and the rest at input/output rates", () => {
    const cost = computeCost({
      provider: "openai",
      model: "gpt-4o-mini",
      prompt_tokens: 1_000_000,
      completion_tokens: 1_000_000,
      cached_tokens: 400_000,
    });
    expect(cost).toBeCloseTo(0.6 * 0.15 + 0.4 * 0.075 + 0.6, 12);
  });

  it("bills cached tokens as input when the model has no cached rate", () => {
    const cost = computeCost({
      provider: "mistral",
      model: "mistral-small",
      prompt_tokens: 1e6,
      completion_tokens: 0,
      cached_tokens: 5e5,
    });
    expect(cost).toBeCloseTo(0.1, 12);
  });

  it("never returns a negative cost, whatever the token counts", () => {
    const cost = computeCost({
      provider: "openai",
      model: "gpt-4o-mini",
      prompt_tokens: -100_000_000,
      completion_tokens: -5,
      cached_tokens: -3,
    });
    expect(cost).toBe(0);
  });

  it("returns null, not 0, for unknown providers and models", () => {
    expect(
      computeCost({ provider: "openai", model: "gpt-4o-audio-preview-x", prompt_tokens: 1, completion_tokens: 1 }),
    ).toBeNull();
    expect(computeCost({ provider: "nobody", model: "gpt-4o", prompt_tokens: 1, completion_tokens: 1 })).toBeNull();
    expect(maxCost("nobody", "x", 1, 1)).toBeNull();
  });
});

describe("prompt-cache pricing (Anthropic: writes 1.25x input, reads 0.1x input)", () => {
  const usage = {
    prompt_tokens: 1_000_000,
    completion_tokens: 0,
    cached_tokens: 200_000,
    cache_creation_tokens: 300_000,
  };

  it("bills cache writes at the cache-write rate, reads at the cached rate, the rest as input", () => {
    const cost = computeCost({ provider: "anthropic", model: "claude-sonnet-4-5-20250929", ...usage });
    expect(cost).toBeCloseTo(0.5 * 3 + 0.2 * 0.3 + 0.3 * 3.75, 12);
  });

  it("charges the budget ledger the same cache-write rate", () => {
    const price = priceFromTable("anthropic", "claude-sonnet-4-5");
    expect(price).toBeDefined();
    const micros = costMicrosOf({ ...usage, total_tokens: 1_000_000 }, price as ModelPrice);
    expect(micros).toBe(Math.ceil((0.5 * 3 + 0.2 * 0.3 + 0.3 * 3.75) * 1e6));
  });

  it("bills 1-hour cache writes at 2x input, 5-minute writes at the cache-write rate (log cost and budget)", () => {
    const mixed = { ...usage, cache_creation_1h_tokens: 100_000 };
    const expected = 0.5 * 3 + 0.2 * 0.3 + 0.2 * 3.75 + 0.1 * 6;
    expect(computeCost({ provider: "anthropic", model: "claude-sonnet-4-5", ...mixed })).toBeCloseTo(expected, 12);
    const price = priceFromTable("anthropic", "claude-sonnet-4-5") as ModelPrice;
    expect(costMicrosOf({ ...mixed, total_tokens: 1_000_000 }, price)).toBe(Math.ceil(expected * 1e6));
  });

  it("lists every Anthropic model with reads at 0.1x and writes at 1.25x input (Claude 3 Haiku: as Anthropic lists)", () => {
    const exceptions: Record<string, readonly [number, number]> = { "claude-3-haiku": [0.03, 0.3] };
    for (const [model, [input, , read, write]] of Object.entries(MODEL_PRICES.anthropic ?? {})) {
      const [expectedRead, expectedWrite] = exceptions[model] ?? [input * 0.1, input * 1.25];
      expect(read, model).toBeCloseTo(expectedRead, 9);
      expect(write, model).toBeCloseTo(expectedWrite, 9);
    }
    for (const [model, [input, , read, write]] of Object.entries(MODEL_PRICES.bedrock ?? {})) {
      if (!model.startsWith("anthropic.") || read === null) continue;
      expect(write, model).toBeCloseTo(input * 1.25, 9);
    }
  });

  it("bills cache writes as input for a model with no cache-write rate", () => {
    const cost = computeCost({ provider: "openai", model: "gpt-4o-mini", ...usage, cached_tokens: 0 });
    expect(cost).toBeCloseTo(0.15, 12);
  });
});

describe("client-chosen names never reach Object.prototype", () => {
  // A model or provider is whatever the client sends: `constructor` once priced as Object itself (cost NaN).
  it.each(["constructor", "toString", "valueOf", "__proto__", "hasOwnProperty"])("%s has no price", (name) => {
    // Act
    const asModel = priceFor("openai", name);
    const asProvider = priceFor(name, "gpt-4o-mini");
    const cost = computeCost({
      provider: "openai",
      model: name,
      prompt_tokens: 10,
      completion_tokens: 10,
      cached_tokens: 0,
    });

    // Assess
    expect(asModel).toBeNull();
    expect(asProvider).toBeNull();
    expect(cost).toBeNull();
  });
});
