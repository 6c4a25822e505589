import { describe, expect, it } from "vitest";
import { priceFor } from "../../shared/pricing/cost";
import { PROVIDER_CASES } from "../e2e/conformance-providers";

/** Models of the conformance table that have no list price on purpose, with the reason. */
const UNPRICED: Readonly<Record<string, string>> = {};

describe("prices of the conformance table's models", () => {
  it("every provider/model the conformance table uses has a price, or is listed as unpriced on purpose", () => {
    const missing = PROVIDER_CASES.filter(
      (c) => priceFor(c.id, c.model) === null && UNPRICED[`${c.id}/${c.model}`] === undefined,
    ).map((c) => `${c.id}/${c.model}`);
    expect(missing).toEqual([]);
  });
});
