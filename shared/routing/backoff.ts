import type { AnySignal } from "../http/abort-source";

/**
 * Retry waits: exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"),
 * overridden by the upstream's own `retry-after-ms` / `Retry-After` (seconds or an HTTP date). Every wait is
 * capped, and so is the total a request may spend waiting, so a retrying request always ends.
 */
export interface RetryTiming {
  /** First backoff ceiling; attempt n waits random(0, min(maxDelayMs, baseDelayMs * 2^n)). */
  readonly baseDelayMs: number;
  /** Ceiling of one computed backoff wait. */
  readonly maxDelayMs: number;
  /** Total wait budget per client request; a wait that does not fit ends the retries (count -1). */
  readonly maxTotalWaitMs: number;
}

export const DEFAULT_RETRY_TIMING: RetryTiming = Object.freeze({
  baseDelayMs: 100,
  maxDelayMs: 2_000,
  maxTotalWaitMs: 10_000,
});

/** Reads `retry-after-ms` (OpenAI, Azure) or `Retry-After` (seconds or HTTP date). Undefined when absent/invalid. */
export function retryAfterMs(headers: Readonly<Record<string, string>>, now = Date.now()): number | undefined {
  const ms = headers["retry-after-ms"];
  if (ms !== undefined) {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const after = headers["retry-after"];
  if (after === undefined || after.trim() === "") return undefined;
  const trimmed = after.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Full-jitter backoff for the retry that follows attempt `retryIndex` (0-based). */
export function backoffMs(retryIndex: number, timing: RetryTiming, random: () => number): number {
  const ceiling = Math.min(timing.maxDelayMs, timing.baseDelayMs * 2 ** retryIndex);
  return Math.floor(random() * ceiling);
}

/**
 * How long to wait before the next retry, or undefined when the upstream asks for longer than the remaining
 * budget allows (then retrying is pointless: the caller falls over or answers with the last error).
 */
export function nextRetryDelay(
  retryIndex: number,
  upstreamHeaders: Readonly<Record<string, string>> | undefined,
  timing: RetryTiming,
  remainingBudgetMs: number,
  random: () => number,
): number | undefined {
  const asked = upstreamHeaders ? retryAfterMs(upstreamHeaders) : undefined;
  const delay = asked ?? backoffMs(retryIndex, timing, random);
  if (delay > remainingBudgetMs) return asked === undefined ? Math.max(0, remainingBudgetMs) : undefined;
  return delay;
}

/** A wait that ends early (resolving false) when the signal aborts. */
export function abortableSleep(ms: number, signal: AnySignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    function onAbort(): void {
      clearTimeout(timer);
      resolve(false);
    }
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
