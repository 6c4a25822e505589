import type { AnySignal } from "../http/abort-source";
import { abortableSleep, DEFAULT_RETRY_TIMING, type RetryTiming } from "../routing/backoff";
import type { RouteOutcome } from "../routing/executor";

/** How the gateway retries and picks targets. Every field has a documented default (DEFAULT_ROUTING_OPTIONS). */
export interface RoutingOptions {
  readonly timing: RetryTiming;
  /** Uniform in [0, 1): loadbalance draws and backoff jitter. */
  readonly random: () => number;
  /** Waits between retries; resolves false when the client went away. */
  readonly sleep: (ms: number, signal: AnySignal) => Promise<boolean>;
  /** Compiled plans kept per process (inline configs by header string, saved configs by id + version). */
  readonly planCacheSize: number;
}

export const DEFAULT_ROUTING_OPTIONS: RoutingOptions = Object.freeze({
  timing: DEFAULT_RETRY_TIMING,
  random: Math.random,
  sleep: abortableSleep,
  planCacheSize: 512,
});

/** Portkey's response headers about routing: who answered, after how many retries, which config option. */
export function routingHeaders(outcome: RouteOutcome<unknown>, fromConfig: boolean): Record<string, string> {
  const out: Record<string, string> = { "x-portkey-retry-attempt-count": String(outcome.retryCount) };
  if (fromConfig && outcome.leaf) out["x-portkey-last-used-option-index"] = outcome.leaf.path;
  return out;
}
