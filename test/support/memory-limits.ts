import { MemoryLedgerBackend } from "../../shared/limits/memory-ledger-backend";
import { DEFAULT_COMPLETION_CAP, type PriceFor } from "../../shared/limits/pricing";
import { SlidingWindowRateLimiter } from "../../shared/limits/rate-limiter";
import { RequestLimits } from "../../shared/limits/request-limits";
import { BudgetLedger, DEFAULT_LEASE_MS, DEFAULT_RETAIN_MS } from "../../shared/limits/usage-ledger";
import { MemoryWindowCounter } from "../../shared/limits/window-counter";

/** The budget ledger on an in-memory backend and the caller's clock, with the gateway's lease and retention. */
export function memoryLedger(now: () => number): BudgetLedger {
  return new BudgetLedger({
    backend: new MemoryLedgerBackend(),
    now,
    leaseMs: DEFAULT_LEASE_MS,
    retainMs: DEFAULT_RETAIN_MS,
  });
}

/** Budgets and rate limits wired as the gateway wires them (shared/aws/dynamo-guards.ts), held in memory. */
export function memoryLimits(now: () => number, priceFor: PriceFor): { ledger: BudgetLedger; limits: RequestLimits } {
  const ledger = memoryLedger(now);
  const rateLimiter = new SlidingWindowRateLimiter(new MemoryWindowCounter(now), now);
  return {
    ledger,
    limits: new RequestLimits({ ledger, rateLimiter, priceFor, completionCap: DEFAULT_COMPLETION_CAP }),
  };
}
