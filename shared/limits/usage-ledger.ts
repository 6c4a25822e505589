import { BudgetExceededError } from "./budget-errors";
import type { CounterKey, CounterMeta, LedgerBackend } from "./ledger-backend";
import { type BudgetScope, type LimitOwner, ownerLabel } from "./limit-types";
import { type BudgetPeriod, periodOf } from "./periods";
import { type Charge, microsToUsd, usdToMicros } from "./pricing";

/** One scope's share of a reservation: which counter item and how much (ledger units). */
export interface ReservedScope {
  readonly scope: BudgetScope;
  readonly key: CounterKey;
  readonly amount: number;
}

/** Returned by `reserve`, handed back to `settle` or `release`. Plain data: it may be logged. */
export interface Reservation {
  readonly requestId: string;
  readonly charge: Charge;
  readonly scopes: readonly ReservedScope[];
}

export interface ScopeSettlement {
  readonly scope: BudgetScope;
  /** False when this request id was already settled or released here (a repeated settle): nothing counted. */
  readonly applied: boolean;
  /** Amount recorded, in the scope's unit (USD or tokens). */
  readonly amount: number;
  /** Spend of the period after this settle, in the scope's unit. */
  readonly spent: number;
  /** True only for the settle that took the spend across `alert_threshold`. */
  readonly alertCrossedNow: boolean;
}

/** What the admin API shows for one budget. Amounts are USD for cost limits and tokens for token limits. */
export interface UsageSnapshot extends LimitOwner {
  readonly type: "cost" | "tokens";
  readonly limit: number;
  readonly spent: number;
  readonly reserved: number;
  readonly remaining: number;
  readonly inFlight: number;
  readonly periodicReset: BudgetScope["limit"]["periodic_reset"];
  readonly periodStart: string;
  readonly periodEnd: string | null;
  readonly alertThreshold: number | null;
  readonly alertCrossed: boolean;
  readonly exhausted: boolean;
}

export interface UsageLedger {
  /** Reserves `charge` on every scope, or on none (taken ones are given back) and throws `BudgetExceededError`. */
  reserve(scopes: readonly BudgetScope[], charge: Charge, requestId: string): Promise<Reservation>;
  /** Records the real charge; idempotent per request id (a repeated settle changes nothing). */
  settle(reservation: Reservation, actual: Charge): Promise<ScopeSettlement[]>;
  /** Gives a reservation back (the request failed before costing anything). Idempotent. */
  release(reservation: Reservation): Promise<void>;
  current(scope: BudgetScope): Promise<UsageSnapshot>;
}

export interface BudgetLedgerOptions {
  readonly backend: LedgerBackend;
  /** Clock in epoch ms (tests move it). */
  readonly now: () => number;
  /** How long a reservation may stay unsettled before it counts as abandoned and may be reclaimed. */
  readonly leaseMs: number;
  /** How long a closed period's counter is kept for history (DynamoDB TTL). */
  readonly retainMs: number;
}

/** Longer than the longest request (Lambda stops at 15 minutes), so a live request never loses its lease. */
export const DEFAULT_LEASE_MS = 20 * 60_000;
export const DEFAULT_RETAIN_MS = 400 * 86_400_000;

export function counterKey(scope: BudgetScope, period: BudgetPeriod): CounterKey {
  return {
    pk: `USAGE#${enc(scope.workspaceId)}#${scope.kind}#${enc(scope.id)}`,
    sk: `PERIOD#${scope.limit.type}#${period.id}`,
  };
}

function enc(id: string): string {
  return id.replaceAll("%", "%25").replaceAll("#", "%23");
}

export function limitUnits(scope: BudgetScope, value: number): number {
  return scope.limit.type === "cost" ? usdToMicros(value) : Math.floor(value);
}

function fromUnits(scope: BudgetScope, units: number): number {
  return scope.limit.type === "cost" ? microsToUsd(units) : units;
}

function amountFor(scope: BudgetScope, charge: Charge): number {
  return scope.limit.type === "cost" ? charge.costMicros : charge.tokens;
}

/** Reserve/settle/release over any `LedgerBackend`: the logic both adapters share. */
export class BudgetLedger implements UsageLedger {
  constructor(private readonly opts: BudgetLedgerOptions) {}

  async reserve(scopes: readonly BudgetScope[], charge: Charge, requestId: string): Promise<Reservation> {
    const nowMs = this.opts.now();
    const parts = scopes.map((scope) => this.part(scope, charge, nowMs));
    const results = await Promise.allSettled(parts.map((p) => this.reserveOne(p, requestId, nowMs)));
    const failure = results.find((r) => r.status === "rejected");
    if (failure) {
      const taken = parts.filter((_, i) => results[i]?.status === "fulfilled");
      await Promise.allSettled(taken.map((p) => this.opts.backend.release(p.key, requestId, p.amount)));
      throw failure.reason;
    }
    return { requestId, charge, scopes: parts.map(({ scope, key, amount }) => ({ scope, key, amount })) };
  }

  async settle(reservation: Reservation, actual: Charge): Promise<ScopeSettlement[]> {
    return Promise.all(
      reservation.scopes.map(async (part) => {
        const amount = amountFor(part.scope, actual);
        const write = await this.opts.backend.settle(part.key, reservation.requestId, part.amount, amount);
        const threshold = part.scope.limit.alert_threshold;
        const thresholdUnits = threshold === undefined ? undefined : limitUnits(part.scope, threshold);
        const alertCrossedNow =
          write.applied &&
          thresholdUnits !== undefined &&
          write.spent - amount < thresholdUnits &&
          write.spent >= thresholdUnits;
        return {
          scope: part.scope,
          applied: write.applied,
          amount: write.applied ? fromUnits(part.scope, amount) : 0,
          spent: fromUnits(part.scope, write.spent),
          alertCrossedNow,
        };
      }),
    );
  }

  async release(reservation: Reservation): Promise<void> {
    await Promise.all(
      reservation.scopes.map((part) => this.opts.backend.release(part.key, reservation.requestId, part.amount)),
    );
  }

  async current(scope: BudgetScope): Promise<UsageSnapshot> {
    const period = periodOf(scope.limit.periodic_reset, this.opts.now());
    const state = await this.opts.backend.read(counterKey(scope, period));
    const limit = limitUnits(scope, scope.limit.credit_limit);
    const spent = state?.spent ?? 0;
    const reserved = state?.reserved ?? 0;
    const threshold = scope.limit.alert_threshold;
    return {
      workspaceId: scope.workspaceId,
      kind: scope.kind,
      id: scope.id,
      type: scope.limit.type,
      limit: scope.limit.credit_limit,
      spent: fromUnits(scope, spent),
      reserved: fromUnits(scope, reserved),
      remaining: fromUnits(scope, Math.max(0, limit - spent - reserved)),
      inFlight: state?.pending.size ?? 0,
      periodicReset: scope.limit.periodic_reset,
      periodStart: new Date(period.startMs).toISOString(),
      periodEnd: period.endMs === undefined ? null : new Date(period.endMs).toISOString(),
      alertThreshold: threshold ?? null,
      alertCrossed: threshold !== undefined && spent >= limitUnits(scope, threshold),
      exhausted: spent >= limit,
    };
  }

  private part(scope: BudgetScope, charge: Charge, nowMs: number) {
    const period = periodOf(scope.limit.periodic_reset, nowMs);
    const key = counterKey(scope, period);
    const limit = limitUnits(scope, scope.limit.credit_limit);
    const meta: CounterMeta = {
      unit: scope.limit.type,
      limit,
      periodStartMs: period.startMs,
      periodEndMs: period.endMs,
      expiresAtSec: period.endMs === undefined ? undefined : Math.ceil((period.endMs + this.opts.retainMs) / 1000),
      gsi1pk: `USAGE#${enc(scope.workspaceId)}`,
      gsi1sk: `${scope.kind}#${enc(scope.id)}#${scope.limit.type}#${period.id}`,
    };
    return { scope, key, amount: amountFor(scope, charge), limit, meta, period };
  }

  private async reserveOne(part: ReturnType<BudgetLedger["part"]>, requestId: string, nowMs: number): Promise<void> {
    const { backend, leaseMs } = this.opts;
    const { key, amount, limit, meta } = part;
    const reservation = { key, requestId, amount, limit, meta, lease: { amount, expiresAtMs: nowMs + leaseMs } };
    let outcome = await backend.tryReserve(reservation);
    if (outcome === "exhausted" && (await this.reclaimAbandoned(key, nowMs)) > 0) {
      outcome = await backend.tryReserve(reservation);
    }
    if (outcome !== "exhausted") return;
    const state = await backend.read(part.key);
    throw this.exceeded(part.scope, part.amount, state?.spent ?? 0, state?.reserved ?? 0, part.period);
  }

  /** Gives back reservations whose lease ran out (their request died without settling). */
  private async reclaimAbandoned(key: CounterKey, nowMs: number): Promise<number> {
    const state = await this.opts.backend.read(key);
    if (!state) return 0;
    const expired = [...state.pending].filter(([, lease]) => lease.expiresAtMs <= nowMs);
    const done = await Promise.all(expired.map(([rid, lease]) => this.opts.backend.reclaim(key, rid, lease)));
    return done.filter(Boolean).length;
  }

  private exceeded(
    scope: BudgetScope,
    amount: number,
    spent: number,
    reserved: number,
    period: BudgetPeriod,
  ): BudgetExceededError {
    const fmt = (units: number) =>
      scope.limit.type === "cost" ? `$${microsToUsd(units).toFixed(6)}` : `${units} tokens`;
    const resets =
      period.endMs === undefined ? "It does not reset." : `It resets at ${new Date(period.endMs).toISOString()}.`;
    return new BudgetExceededError(
      `Budget exhausted for ${ownerLabel(scope)}: limit ${fmt(limitUnits(scope, scope.limit.credit_limit))} ` +
        `(${scope.limit.periodic_reset}), spent ${fmt(spent)}, in flight ${fmt(reserved)}, ` +
        `this request may need up to ${fmt(amount)}. ${resets}`,
    );
  }
}
