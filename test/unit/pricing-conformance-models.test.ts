import { describe, expect, it } from "vitest";
import { priceFor } from "../../shared/pricing/cost";
import { UNPRICED_ON_PURPOSE } from "../../shared/pricing/prices";
import { OPENAI_WIRE_CASES, PROVIDER_CASES } from "../e2e/conformance-providers";

describe("prices of the conformance table's models", () => {
  it("every provider's model there has a price, or is listed as unpriced on purpose (and then has none)", () => {
    // Prepare
    const models = [...PROVIDER_CASES, ...OPENAI_WIRE_CASES].map((c) => ({ provider: c.id, model: c.model }));

    // Act
    const unpriced = models.filter(({ provider, model }) => priceFor(provider, model) === null);
    const listed = Object.entries(UNPRICED_ON_PURPOSE).flatMap(([provider, byModel]) =>
      Object.keys(byModel).map((model) => ({ provider, model })),
    );

    // Assess
    for (const m of unpriced) expect(listed).toContainEqual(m);
    for (const m of listed) expect(priceFor(m.provider, m.model)).toBeNull();
  });
});
