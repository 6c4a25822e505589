import { describe, expect, it } from "vitest";
import { computeCost, maxCost, priceFor } from "../../shared/pricing/cost";

describe("computeCost", () => {
  it("prices a dated model id like its base model", () => {
    expect(priceFor("openai", "gpt-4o-2024-08-06")).toEqual(priceFor("openai", "gpt-4o"));
    expect(priceFor("anthropic", "claude-3-5-haiku-20241022")).toEqual([0.8, 4, 0.08]);
    expect(priceFor("cohere", "command-r-08-2024")).toEqual([0.15, 0.6, null]);
    expect(priceFor("mistral", "mistral-large-latest")).toEqual([2, 6, null]);
    expect(priceFor("bedrock", "us.anthropic.claude-3-5-haiku-20241022-v1:0")).toEqual([0.8, 4, 0.08]);
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
