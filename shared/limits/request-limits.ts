import type { Endpoint, Usage } from "../providers/types";
import { budgetScopesOf, type LimitedOwner, rateScopesOf } from "./limit-types";
import {
  actualCharge,
  type Charge,
  estimateRequest,
  type PriceFor,
  type RequestEstimate,
  upperBoundCharge,
} from "./pricing";
import type { RateLimiter, RateLimitTicket } from "./rate-limiter";
import type { Reservation, ScopeSettlement, UsageLedger } from "./usage-ledger";

/**
 * The per-request face of budgets and rate limits for the gateway core:
 *   const gate = await limits.checkRateLimits(owners)           // 429 before anything else
 *   ... cache lookup: a HIT returns here (no budget needed; call gate.finishCached()) ...
 *   const admission = await limits.reserve(gate, {...})         // 412 before any upstream call
 *   ... upstream attempts (retries, fallbacks) ...
 *   await admission.settle(attempts) | await admission.release()
 * See docs/budgets-and-rate-limits.md for the order and the failure cases.
 */
export interface RequestLimitsDeps {
  readonly ledger: UsageLedger;
  readonly rateLimiter: RateLimiter;
  readonly priceFor: PriceFor;
  /** Completion tokens reserved when a request names no max (`DEFAULT_COMPLETION_CAP` unless configured). */
  readonly completionCap: number;
}

export interface ReserveInput {
  /** Unique per client request (the trace id is fine if the core makes it unique); retries reuse it. */
  readonly requestId: string;
  readonly endpoint: Endpoint;
  /** The client's OpenAI-shaped body. */
  readonly body: Readonly<Record<string, unknown>>;
  /**
   * The `override_params` of every target the plan may call: the estimate is the largest over the body with each
   * (a config may raise `max_tokens` or add messages).
   */
  readonly overrides?: readonly Readonly<Record<string, unknown>>[];
  /** Every provider/model the routing plan may call: the reservation prices the most expensive. */
  readonly candidates: readonly { provider: string; model: string }[];
}

/** One upstream attempt that consumed tokens. `usage: "unknown"` (e.g. a stream cut before its usage chunk) is
 * charged the reserved upper bound. Attempts that failed without output are not listed. `usage` is the checked
 * usage (usage-bounds.ts), never the upstream's raw numbers. */
export interface BilledAttempt {
  readonly provider: string;
  readonly model: string;
  readonly usage: Usage | "unknown";
}

/** For the request log record: reserved vs settled, per scope. */
export interface LimitsOutcome {
  readonly reserved: Charge;
  readonly settled: Charge;
  readonly settlements: readonly ScopeSettlement[];
  /** Models that had no price: their cost was taken as the reserved upper bound. */
  readonly unpriced: readonly { provider: string; model: string }[];
}

export interface RateGate {
  readonly owners: readonly LimitedOwner[];
  readonly ticket: RateLimitTicket;
  /** Add to every response (success, cached or error after admission). */
  readonly headers: Readonly<Record<string, string>>;
}

export interface Admission {
  readonly reservation: Reservation;
  readonly estimate: RequestEstimate;
  /** Records the real usage (budgets and token rate limits). Idempotent per request id. */
  settle(attempts: readonly BilledAttempt[]): Promise<LimitsOutcome>;
  /** The request failed before any attempt consumed tokens: gives the reservation back. Idempotent. */
  release(): Promise<void>;
}

function wholeNonNegative(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.ceil(n) : 0;
}

/** The estimate of the body as each target sends it, taken at the largest prompt and the largest completion. */
function largestEstimate(input: ReserveInput, completionCap: number): RequestEstimate {
  let estimate = estimateRequest(input.endpoint, input.body, completionCap);
  for (const overrides of input.overrides ?? []) {
    const other = estimateRequest(input.endpoint, { ...input.body, ...overrides }, completionCap);
    estimate = {
      promptTokens: Math.max(estimate.promptTokens, other.promptTokens),
      completionTokens: Math.max(estimate.completionTokens, other.completionTokens),
      completionCapped: estimate.completionCapped || other.completionCapped,
    };
  }
  return estimate;
}

export class RequestLimits {
  constructor(private readonly deps: RequestLimitsDeps) {}

  async checkRateLimits(owners: readonly LimitedOwner[]): Promise<RateGate> {
    const ticket = await this.deps.rateLimiter.acquire(rateScopesOf(owners));
    return { owners, ticket, headers: ticket.headers };
  }

  async reserve(gate: RateGate, input: ReserveInput): Promise<Admission> {
    const { ledger, rateLimiter, priceFor, completionCap } = this.deps;
    const scopes = budgetScopesOf(gate.owners);
    const estimate = largestEstimate(input, completionCap);
    const needsCost = scopes.some((s) => s.limit.type === "cost");
    const bound = upperBoundCharge(estimate, input.candidates, priceFor, needsCost);
    const reservation = await ledger.reserve(scopes, bound, input.requestId);
    let settling: Promise<LimitsOutcome> | undefined;
    async function settleOnce(attempts: readonly BilledAttempt[]): Promise<LimitsOutcome> {
      const known = attempts.flatMap((a) => (a.usage === "unknown" ? [] : [{ ...a, usage: a.usage }]));
      const unknown = attempts.length - known.length;
      const { charge, unpriced } = actualCharge(known, priceFor);
      const boundedCost = unknown + (needsCost ? unpriced.length : 0);
      // Usage is checked before it gets here (usage-bounds.ts); a charge is still never negative nor fractional.
      const settled: Charge = {
        costMicros: wholeNonNegative(charge.costMicros + boundedCost * bound.costMicros),
        tokens: wholeNonNegative(charge.tokens + unknown * bound.tokens),
      };
      const settlements = await ledger.settle(reservation, settled);
      await rateLimiter.recordTokens(gate.ticket, settled.tokens);
      return { reserved: bound, settled, settlements, unpriced };
    }
    return {
      reservation,
      estimate,
      settle(attempts: readonly BilledAttempt[]): Promise<LimitsOutcome> {
        settling ??= settleOnce(attempts);
        return settling;
      },
      release(): Promise<void> {
        return ledger.release(reservation);
      },
    };
  }
}
