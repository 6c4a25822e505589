import { RateLimitError } from "../core/errors";
import { ownerLabel, type RateLimitScope, type RateLimitUnit } from "./limit-types";
import type { WindowCounter, WindowKey } from "./window-counter";

/**
 * Sliding-window approximation over fixed windows (as Cloudflare and Portkey's "rolling window"): the count of
 * the previous window is weighted by how much of it still overlaps the sliding window,
 *   estimate = previous x (1 - elapsed/window) + current,
 * and a request is admitted when estimate + 1 <= limit. The check and the increment are ONE conditional ADD on
 * the current window's item (`n <= floor(limit - weighted previous) - 1`). A closed window never changes, so its
 * count is read once per process and cached.
 *
 * `requests` limits count one per admitted request. `tokens` limits admit a request while the estimate is below
 * the limit and add the real tokens after the answer (`recordTokens`), so the request that crosses the limit
 * completes and the next one waits.
 */
export const WINDOW_MS: Record<RateLimitUnit, number> = { rpm: 60_000, rph: 3_600_000, rpd: 86_400_000 };
const UNIT_NAME: Record<RateLimitUnit, string> = { rpm: "minute", rph: "hour", rpd: "day" };

interface Decision {
  readonly scope: RateLimitScope;
  readonly key: WindowKey;
  readonly expiresAtSec: number;
  readonly remaining: number;
  readonly resetMs: number;
}

export interface RateLimitTicket {
  readonly decisions: readonly Decision[];
  /** Response headers to add (OpenAI's `x-ratelimit-*` names); empty when no rate limit applies. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface RateLimiter {
  /** Admits the request on every scope or throws `RateLimitError` (429, `retry-after`, `x-ratelimit-*`). */
  acquire(scopes: readonly RateLimitScope[]): Promise<RateLimitTicket>;
  /** Adds a finished request's real tokens to its token-limited windows. */
  recordTokens(ticket: RateLimitTicket, tokens: number): Promise<void>;
}

export class SlidingWindowRateLimiter implements RateLimiter {
  private readonly closedWindows = new Map<string, number>();

  constructor(
    private readonly counter: WindowCounter,
    private readonly now: () => number,
  ) {}

  async acquire(scopes: readonly RateLimitScope[]): Promise<RateLimitTicket> {
    if (scopes.length === 0) return { decisions: [], headers: {} };
    const nowMs = this.now();
    const results = await Promise.all(scopes.map((s) => this.check(s, nowMs)));
    const refused = results.filter((r) => !r.ok);
    if (refused.length > 0) {
      const undo = results.filter((r) => r.ok && r.decision.scope.rule.type === "requests");
      await Promise.allSettled(undo.map((r) => this.counter.add(r.decision.key, -1, r.decision.expiresAtSec)));
      const worst = refused.reduce((a, b) => (b.retryAfterMs > a.retryAfterMs ? b : a));
      const headers = {
        ...rateLimitHeaders(results.map((r) => r.decision)),
        "retry-after": String(Math.max(1, Math.ceil(worst.retryAfterMs / 1000))),
      };
      const { rule } = worst.decision.scope;
      throw new RateLimitError(
        `Rate limit reached for ${ownerLabel(worst.decision.scope)}: ${rule.value} ${rule.type} per ` +
          `${UNIT_NAME[rule.unit]}. Retry after ${headers["retry-after"]} s.`,
        { headers },
      );
    }
    const decisions = results.map((r) => r.decision);
    return { decisions, headers: rateLimitHeaders(decisions) };
  }

  async recordTokens(ticket: RateLimitTicket, tokens: number): Promise<void> {
    if (tokens <= 0) return;
    const tokenWindows = ticket.decisions.filter((d) => d.scope.rule.type === "tokens");
    await Promise.all(tokenWindows.map((d) => this.counter.add(d.key, tokens, d.expiresAtSec)));
  }

  private async check(scope: RateLimitScope, nowMs: number) {
    const windowMs = WINDOW_MS[scope.rule.unit];
    const start = Math.floor(nowMs / windowMs) * windowMs;
    const key = windowKey(scope, start);
    const expiresAtSec = Math.ceil((start + 2 * windowMs) / 1000) + 60;
    const previous = await this.closedCount(windowKey(scope, start - windowMs));
    const weightedPrevious = previous * (1 - (nowMs - start) / windowMs);
    const cap = Math.floor(scope.rule.value - weightedPrevious);
    const amount = scope.rule.type === "requests" ? 1 : 0;
    const { ok, count } = await this.counter.tryAdd(key, amount, cap - 1, expiresAtSec);
    const decision: Decision = {
      scope,
      key,
      expiresAtSec,
      remaining: Math.max(0, cap - count),
      resetMs: start + windowMs - nowMs,
    };
    const retryAfterMs = ok ? 0 : waitUntilAdmitted(scope.rule.value, previous, count, start, windowMs, nowMs);
    return { ok, decision, retryAfterMs };
  }

  private async closedCount(key: WindowKey): Promise<number> {
    const id = `${key.pk}|${key.sk}`;
    const cached = this.closedWindows.get(id);
    if (cached !== undefined) return cached;
    const count = await this.counter.read(key);
    if (this.closedWindows.size >= 10_000) this.closedWindows.clear();
    this.closedWindows.set(id, count);
    return count;
  }
}

function windowKey(scope: RateLimitScope, startMs: number): WindowKey {
  return {
    pk: `RL#${enc(scope.workspaceId)}#${scope.kind}#${enc(scope.id)}`,
    sk: `${scope.rule.type}#${scope.rule.unit}#${Math.floor(startMs / 1000)}`,
  };
}

function enc(id: string): string {
  return id.replaceAll("%", "%25").replaceAll("#", "%23");
}

/**
 * Milliseconds until `previous x (1 - f) + current + 1 <= limit` holds again, assuming no other traffic: later in
 * this window when the previous one is what blocks, else in the next window (where `current` becomes previous).
 */
export function waitUntilAdmitted(
  limit: number,
  previous: number,
  current: number,
  startMs: number,
  windowMs: number,
  nowMs: number,
): number {
  if (limit < 1) return windowMs;
  const room = limit - current - 1;
  if (room >= 0) {
    const f = previous > 0 ? 1 - room / previous : 0;
    return Math.max(0, startMs + f * windowMs - nowMs);
  }
  const f = current > 0 ? Math.max(0, 1 - (limit - 1) / current) : 0;
  return startMs + windowMs + f * windowMs - nowMs;
}

/** OpenAI's header names; the most constrained scope of each type speaks for it. */
export function rateLimitHeaders(decisions: readonly Decision[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const type of ["requests", "tokens"] as const) {
    const ofType = decisions.filter((d) => d.scope.rule.type === type);
    if (ofType.length === 0) continue;
    const worst = ofType.reduce((a, b) => (b.remaining < a.remaining ? b : a));
    headers[`x-ratelimit-limit-${type}`] = String(worst.scope.rule.value);
    headers[`x-ratelimit-remaining-${type}`] = String(worst.remaining);
    headers[`x-ratelimit-reset-${type}`] = formatDuration(worst.resetMs);
  }
  return headers;
}

/** Go-style durations as OpenAI writes them: `20ms`, `1.5s`, `6m0s`, `1h2m3s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.round((ms % 60_000) / 10) / 100;
  if (h > 0) return `${h}h${m}m${Math.floor(s)}s`;
  if (m > 0) return `${m}m${Math.floor(s)}s`;
  return `${s}s`;
}
