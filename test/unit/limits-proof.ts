import type { BudgetScope } from "../../shared/limits/limit-types";
import type { UsageLedger } from "../../shared/limits/usage-ledger";

/**
 * The concurrency proof shared by the unit (in-memory) and integration (moto_server, dynalite) suites: `flows`
 * requests start at once; each reserves `reserveMicros`, "calls upstream", then either fails (release) or settles
 * its real cost, with the settle sent twice (a retried settle) and the reserve sometimes sent twice (a retried
 * reserve). Returns what happened so the suite can check the ledger against it.
 */
export interface ProofOptions {
  readonly flows: number;
  readonly reserveMicros: number;
  /** Real cost of flow i (may exceed the reservation to test the overspend bound). */
  readonly actualMicros: (i: number) => number;
  /** True when flow i fails upstream (its reservation is released). */
  readonly fails: (i: number) => boolean;
  readonly runId: string;
}

export interface ProofResult {
  readonly admitted: number;
  readonly refused: number;
  readonly settled: number;
  readonly released: number;
  /** Sum of the real costs of the settled flows, in micro-dollars. */
  readonly settledMicros: number;
  /** Most reservations held at the same time (what bounds the overspend). */
  readonly maxInFlight: number;
  readonly otherErrors: unknown[];
}

export async function runBudgetProof(
  ledger: UsageLedger,
  scopes: readonly BudgetScope[],
  opts: ProofOptions,
): Promise<ProofResult> {
  let admitted = 0;
  let refused = 0;
  let settled = 0;
  let released = 0;
  let settledMicros = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const otherErrors: unknown[] = [];

  async function flow(i: number): Promise<void> {
    const requestId = `${opts.runId}-req-${i}`;
    const charge = { costMicros: opts.reserveMicros, tokens: 0 };
    let reservation: Awaited<ReturnType<UsageLedger["reserve"]>>;
    try {
      reservation = await ledger.reserve(scopes, charge, requestId);
      if (i % 7 === 0) reservation = await ledger.reserve(scopes, charge, requestId);
    } catch (err) {
      if ((err as { code?: string }).code === "budget_exceeded") refused += 1;
      else otherErrors.push(err);
      return;
    }
    admitted += 1;
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, i % 5));
    if (opts.fails(i)) {
      await Promise.all([ledger.release(reservation), ledger.release(reservation)]);
      inFlight -= 1;
      released += 1;
      return;
    }
    const actual = { costMicros: opts.actualMicros(i), tokens: 0 };
    const [first, second] = await Promise.all([ledger.settle(reservation, actual), ledger.settle(reservation, actual)]);
    inFlight -= 1;
    // Never both. (Both false is possible when a write applied but its answer was lost and the SDK retried it.)
    const appliedTwice = first.some((s, k) => s.applied && second[k]?.applied);
    if (appliedTwice) otherErrors.push(new Error(`settle of ${requestId} was applied twice`));
    settled += 1;
    settledMicros += actual.costMicros;
  }

  await Promise.all(Array.from({ length: opts.flows }, (_, i) => flow(i)));
  return { admitted, refused, settled, released, settledMicros, maxInFlight, otherErrors };
}

export function costScope(id: string, creditLimitUsd: number, alert?: number): BudgetScope {
  return {
    workspaceId: "ws-proof",
    kind: "api_key",
    id,
    limit: { type: "cost", credit_limit: creditLimitUsd, periodic_reset: "monthly", alert_threshold: alert },
  };
}
