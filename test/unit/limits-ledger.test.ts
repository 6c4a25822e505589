import { describe, expect, it } from "vitest";
import { BudgetExceededError } from "../../shared/limits/budget-errors";
import type { BudgetScope } from "../../shared/limits/limit-types";
import { DEFAULT_LEASE_MS } from "../../shared/limits/usage-ledger";
import { memoryLedger } from "../support/memory-limits";
import { costScope, runBudgetProof } from "./limits-proof";

function setup(startMs = Date.UTC(2026, 10, 15, 12)) {
  const clock = { ms: startMs };
  const ledger = memoryLedger(() => clock.ms);
  return { ledger, clock };
}

const tokenScope: BudgetScope = {
  workspaceId: "ws1",
  kind: "virtual_key",
  id: "vk-openai",
  limit: { type: "tokens", credit_limit: 1000, periodic_reset: "daily" },
};

describe("budget ledger (in-memory backend)", () => {
  it("refuses a reservation that would pass the limit and says how much is left", async () => {
    // Prepare
    const { ledger } = setup();
    const scope = costScope("k1", 1); // $1
    await ledger.reserve([scope], { costMicros: 700_000, tokens: 0 }, "r1");
    // Act
    const refusal = ledger.reserve([scope], { costMicros: 400_000, tokens: 0 }, "r2");
    // Assess
    await expect(refusal).rejects.toBeInstanceOf(BudgetExceededError);
    await expect(refusal).rejects.toMatchObject({ statusCode: 412, code: "budget_exceeded" });
    await expect(refusal).rejects.toThrow(/in flight \$0\.700000/);
  });

  it("settles the real amount, frees the rest of the reservation, and counts a repeated settle once", async () => {
    // Prepare
    const { ledger } = setup();
    const scope = costScope("k1", 1, 0.5);
    const r = await ledger.reserve([scope], { costMicros: 800_000, tokens: 0 }, "r1");
    // Act
    const first = await ledger.settle(r, { costMicros: 550_000, tokens: 0 });
    const again = await ledger.settle(r, { costMicros: 550_000, tokens: 0 });
    const snap = await ledger.current(scope);
    // Assess
    expect(first[0]).toMatchObject({ applied: true, amount: 0.55, spent: 0.55, alertCrossedNow: true });
    expect(again[0]).toMatchObject({ applied: false, amount: 0 });
    expect(snap).toMatchObject({ spent: 0.55, reserved: 0, remaining: 0.45, inFlight: 0, alertCrossed: true });
    expect(snap.periodStart).toBe("2026-11-01T00:00:00.000Z");
    expect(snap.periodEnd).toBe("2026-12-01T00:00:00.000Z");
  });

  it("reserves on every scope or on none: a refusal on one gives the others back", async () => {
    // Prepare
    const { ledger } = setup();
    const roomy = costScope("k-roomy", 10);
    const tokens = tokenScope;
    // Act
    const refusal = ledger.reserve([roomy, tokens], { costMicros: 100, tokens: 5000 }, "r1");
    // Assess
    await expect(refusal).rejects.toThrow(/virtual_key "vk-openai"/);
    expect(await ledger.current(roomy)).toMatchObject({ reserved: 0, inFlight: 0 });
  });

  it("release gives the whole reservation back, once", async () => {
    // Prepare
    const { ledger } = setup();
    const r = await ledger.reserve([tokenScope], { costMicros: 0, tokens: 600 }, "r1");
    // Act
    await ledger.release(r);
    await ledger.release(r);
    const next = await ledger.reserve([tokenScope], { costMicros: 0, tokens: 1000 }, "r2");
    // Assess
    expect(next.scopes[0]?.amount).toBe(1000);
    expect(await ledger.current(tokenScope)).toMatchObject({ spent: 0, reserved: 1000 });
  });

  it("reclaims a reservation whose request died, once its lease has run out", async () => {
    // Prepare
    const { ledger, clock } = setup();
    await ledger.reserve([tokenScope], { costMicros: 0, tokens: 900 }, "dead");
    await expect(ledger.reserve([tokenScope], { costMicros: 0, tokens: 200 }, "r2")).rejects.toThrow();
    // Act
    clock.ms += DEFAULT_LEASE_MS + 1;
    const r2 = await ledger.reserve([tokenScope], { costMicros: 0, tokens: 200 }, "r2");
    // Assess
    expect(r2.scopes).toHaveLength(1);
    expect(await ledger.current(tokenScope)).toMatchObject({ reserved: 200, inFlight: 1 });
  });

  it("starts a new period with a fresh counter (daily reset at 00:00 UTC)", async () => {
    // Prepare
    const { ledger, clock } = setup(Date.UTC(2026, 10, 15, 23, 59));
    const r = await ledger.reserve([tokenScope], { costMicros: 0, tokens: 1000 }, "r1");
    await ledger.settle(r, { costMicros: 0, tokens: 1000 });
    await expect(ledger.reserve([tokenScope], { costMicros: 0, tokens: 1 }, "r2")).rejects.toThrow();
    // Act
    clock.ms = Date.UTC(2026, 10, 16, 0, 0, 1);
    const next = await ledger.reserve([tokenScope], { costMicros: 0, tokens: 1000 }, "r3");
    // Assess
    expect(next.scopes).toHaveLength(1);
    expect(await ledger.current(tokenScope)).toMatchObject({ periodStart: "2026-11-16T00:00:00.000Z", spent: 0 });
  });

  it("records the real cost even when it exceeds the reservation, and then refuses further requests", async () => {
    // Prepare
    const { ledger } = setup();
    const scope = costScope("k1", 1);
    const r = await ledger.reserve([scope], { costMicros: 900_000, tokens: 0 }, "r1");
    // Act
    await ledger.settle(r, { costMicros: 1_200_000, tokens: 0 });
    // Assess
    expect(await ledger.current(scope)).toMatchObject({ spent: 1.2, exhausted: true, remaining: 0 });
    await expect(ledger.reserve([scope], { costMicros: 0, tokens: 0 }, "r2")).rejects.toBeInstanceOf(
      BudgetExceededError,
    );
  });
});

describe("budget ledger under 200 concurrent flows (in-memory backend)", () => {
  it("admits exactly N when every request costs its reservation, and spend equals the sum settled", async () => {
    // Prepare
    const { ledger } = setup();
    const scope = costScope("k-proof", 0.5); // N = 0.5 / 0.01 = 50
    // Act
    const result = await runBudgetProof(ledger, [scope], {
      flows: 200,
      reserveMicros: 10_000,
      actualMicros: () => 10_000,
      fails: () => false,
      runId: "exact",
    });
    // Assess
    expect(result.otherErrors).toEqual([]);
    expect(result.admitted).toBe(50);
    expect(result.refused).toBe(150);
    const snap = await ledger.current(scope);
    expect(snap).toMatchObject({ spent: 0.5, reserved: 0, inFlight: 0 });
    expect(Math.round(snap.spent * 1e6)).toBe(result.settledMicros);
  });
});
