import { describe, expect, it } from "vitest";
import { DynamoLedgerBackend } from "../../shared/aws/dynamo-usage-ledger";
import { BudgetExceededError } from "../../shared/limits/budget-errors";
import type { BudgetScope } from "../../shared/limits/limit-types";
import { BudgetLedger, DEFAULT_LEASE_MS, DEFAULT_RETAIN_MS } from "../../shared/limits/usage-ledger";
import { costScope, runBudgetProof } from "../unit/limits-proof";
import { useLimitBackends } from "./limits-support";

const TABLE = "gateway-limits-test";

const backends = useLimitBackends(TABLE);

// 200 serialised flows against moto take ~20 s on an idle 2-core box: room for a loaded one.
describe.each(backends)("DynamoDB usage ledger on $name", { timeout: 120_000 }, (backend) => {
  function ledgerAt(nowMs: () => number) {
    return new BudgetLedger({
      backend: new DynamoLedgerBackend(backend.client(), TABLE, nowMs),
      now: nowMs,
      leaseMs: DEFAULT_LEASE_MS,
      retainMs: DEFAULT_RETAIN_MS,
    });
  }

  it("reserves, settles once, refuses past the limit, and reports the period", async () => {
    // Prepare
    const ledger = ledgerAt(Date.now);
    const scope = costScope(`basic-${backend.name}`, 1, 0.5);
    const r1 = await ledger.reserve([scope], { costMicros: 600_000, tokens: 0 }, "r1");
    // Act
    const settled = await ledger.settle(r1, { costMicros: 512_345, tokens: 0 });
    const repeated = await ledger.settle(r1, { costMicros: 512_345, tokens: 0 });
    const refusal = ledger.reserve([scope], { costMicros: 500_000, tokens: 0 }, "r2");
    // Assess
    expect(settled[0]).toMatchObject({ applied: true, spent: 0.512345, alertCrossedNow: true });
    expect(repeated[0]?.applied).toBe(false);
    await expect(refusal).rejects.toBeInstanceOf(BudgetExceededError);
    expect(await ledger.current(scope)).toMatchObject({ spent: 0.512345, reserved: 0, inFlight: 0 });
  });

  it("reclaims an abandoned reservation after its lease, and a retried reserve is not counted twice", async () => {
    // Prepare
    const clock = { ms: Date.now() };
    const ledger = ledgerAt(() => clock.ms);
    const scope: BudgetScope = {
      workspaceId: "ws-proof",
      kind: "virtual_key",
      id: `lease-${backend.name}`,
      limit: { type: "tokens", credit_limit: 1000, periodic_reset: "none" },
    };
    await ledger.reserve([scope], { costMicros: 0, tokens: 700 }, "dead");
    await ledger.reserve([scope], { costMicros: 0, tokens: 700 }, "dead");
    await expect(ledger.reserve([scope], { costMicros: 0, tokens: 400 }, "r2")).rejects.toThrow(/in flight 700/);
    // Act
    clock.ms += DEFAULT_LEASE_MS + 1000;
    await ledger.reserve([scope], { costMicros: 0, tokens: 400 }, "r2");
    // Assess
    expect(await ledger.current(scope)).toMatchObject({ reserved: 400, inFlight: 1, spent: 0 });
  });

  it("200 concurrent flows with a budget for 40: exactly 40 admitted, spend = sum settled to the micro-dollar", async () => {
    // Prepare
    const ledger = ledgerAt(Date.now);
    const scope = costScope(`proof-exact-${backend.name}`, 0.4); // 0.40 / 0.01 = 40
    // Act
    const result = await runBudgetProof(ledger, [scope], {
      flows: 200,
      reserveMicros: 10_000,
      actualMicros: () => 10_000,
      fails: () => false,
      runId: `exact-${backend.name}`,
    });
    // Assess
    expect(result.otherErrors).toEqual([]);
    expect(result.admitted).toBe(40);
    expect(result.refused).toBe(160);
    const snap = await ledger.current(scope);
    expect(snap).toMatchObject({ spent: 0.4, reserved: 0, inFlight: 0 });
  });

  it("200 concurrent flows with cheaper real costs, failures and retried settles: spend reconciles exactly", async ({
    annotate,
  }) => {
    // Prepare
    const ledger = ledgerAt(Date.now);
    const scopes = [
      costScope(`proof-var-${backend.name}`, 1),
      { ...costScope("ws-budget", 5), kind: "workspace" as const },
    ];
    // Act
    const result = await runBudgetProof(ledger, scopes, {
      flows: 200,
      reserveMicros: 20_000,
      actualMicros: (i) => 5_000 + ((i * 7919) % 15_001),
      fails: (i) => i % 10 === 3,
      runId: `var-${backend.name}`,
    });
    // Assess
    expect(result.otherErrors).toEqual([]);
    expect(result.admitted + result.refused).toBe(200);
    expect(result.settled + result.released).toBe(result.admitted);
    const snap = await ledger.current(scopes[0] as BudgetScope);
    expect(Math.round(snap.spent * 1_000_000)).toBe(result.settledMicros);
    expect(snap.spent).toBeLessThanOrEqual(1);
    expect(snap).toMatchObject({ reserved: 0, inFlight: 0 });
    await annotate(`${backend.name}: ${JSON.stringify({ ...result, spentUsd: snap.spent })}`);
  });

  it("when real costs exceed reservations, the overspend stays within the in-flight bound", async ({ annotate }) => {
    // Prepare
    const ledger = ledgerAt(Date.now);
    const scope = costScope(`proof-over-${backend.name}`, 0.5);
    // Act: every request costs 2,000 micro-dollars more than it reserved
    const result = await runBudgetProof(ledger, [scope], {
      flows: 200,
      reserveMicros: 10_000,
      actualMicros: () => 12_000,
      fails: () => false,
      runId: `over-${backend.name}`,
    });
    // Assess
    const snap = await ledger.current(scope);
    const spentMicros = Math.round(snap.spent * 1_000_000);
    expect(spentMicros).toBe(result.settledMicros);
    // Bound: spend <= limit + (real - reserved) for every reservation admitted while others were unsettled
    expect(spentMicros).toBeGreaterThan(500_000);
    expect(spentMicros - 500_000).toBeLessThanOrEqual(result.admitted * 2_000);
    expect(result.admitted).toBeLessThanOrEqual(50);
    await annotate(`${backend.name}: ${JSON.stringify({ ...result, spentMicros, overspend: spentMicros - 500_000 })}`);
  });
});
