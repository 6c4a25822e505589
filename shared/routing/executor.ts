import { BadRequestError, UpstreamError, UpstreamTimeoutError, UpstreamUnavailableError } from "../core/errors";
import type { AnySignal } from "../http/abort-source";
import { nextRetryDelay, type RetryTiming } from "./backoff";
import type { RouteContext } from "./conditions";
import type { CompiledPlan, LeafNode, PlanNode, StrategyNode } from "./plan";

/** What the executor needs from its host: one call to one target, plus the clock, dice and the client's signal. */
export interface ExecutorOptions<T> {
  /** One attempt at one target. Resolves on success; throws a GatewayError on failure. */
  readonly runLeaf: (leaf: LeafNode, retryIndex: number) => Promise<T>;
  readonly route: RouteContext;
  /** The client's signal: once aborted, no further attempt starts and waits end at once. */
  readonly signal: AnySignal;
  readonly timing: RetryTiming;
  /** Uniform in [0, 1). */
  readonly random: () => number;
  /** Resolves true after `ms`, or false as soon as the signal aborts. */
  readonly sleep: (ms: number, signal: AnySignal) => Promise<boolean>;
}

export interface RouteSuccess<T> {
  readonly ok: true;
  readonly value: T;
  readonly leaf: LeafNode;
  /** Retries made on the answering target (Portkey's `x-portkey-retry-attempt-count`). */
  readonly retryCount: number;
}

export interface RouteFailure {
  readonly ok: false;
  readonly error: unknown;
  /** The last target tried, if any. */
  readonly leaf?: LeafNode;
  /** Retries made on that target; -1 when its retries ran out on a retryable status (as Portkey reports). */
  readonly retryCount: number;
  /** Statuses the failure matches for `on_status_codes` (a timeout matches 408 and 504). */
  readonly statuses: readonly number[];
  /** A gateway-made error or a client abort: no other target is tried. */
  readonly final: boolean;
}

export type RouteOutcome<T> = RouteSuccess<T> | RouteFailure;

const TIMEOUT_STATUSES: readonly number[] = [408, 504];
const UNREACHABLE_STATUSES: readonly number[] = [502];

/**
 * The statuses an upstream failure counts as when matching `on_status_codes`, or undefined when the error is not
 * an upstream failure (a bad request, a missing key, a bug): those end routing at once, as in Portkey.
 */
export function failureStatuses(err: unknown): readonly number[] | undefined {
  if (err instanceof UpstreamTimeoutError) return TIMEOUT_STATUSES;
  if (err instanceof UpstreamError) return [err.statusCode];
  if (err instanceof UpstreamUnavailableError) return UNREACHABLE_STATUSES;
  return undefined;
}

/** Index of the child a uniform draw `r` in [0, 1) lands on; children with weight 0 are never picked. */
export function pickWeighted(node: Pick<StrategyNode, "cumulativeWeights" | "totalWeight">, r: number): number {
  const x = r * node.totalWeight;
  const sums = node.cumulativeWeights;
  let lo = 0;
  let hi = sums.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sums[mid] as number) > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Picks the conditional branch for a request: first matching condition, else `default`, else undefined. */
export function pickCondition(node: StrategyNode, route: RouteContext): number | undefined {
  for (const branch of node.conditions) if (branch.predicate(route)) return branch.childIndex;
  return node.defaultIndex;
}

function hits(statuses: readonly number[], codes: ReadonlySet<number>): boolean {
  for (const s of statuses) if (codes.has(s)) return true;
  return false;
}

/** Walks a compiled plan for one request. Never throws: the outcome says which target answered or why none did. */
export async function executePlan<T>(plan: CompiledPlan, options: ExecutorOptions<T>): Promise<RouteOutcome<T>> {
  let waitBudget = options.timing.maxTotalWaitMs;

  function aborted(leaf: LeafNode | undefined, retryCount: number): RouteFailure {
    return { ok: false, error: options.signal.reason, leaf, retryCount, statuses: [], final: true };
  }

  async function runWithRetries(leaf: LeafNode): Promise<RouteOutcome<T>> {
    for (let retry = 0; ; retry++) {
      if (options.signal.aborted) return aborted(leaf, retry);
      try {
        const value = await options.runLeaf(leaf, retry);
        return { ok: true, value, leaf, retryCount: retry };
      } catch (error) {
        if (options.signal.aborted) return aborted(leaf, retry);
        const statuses = failureStatuses(error);
        if (!statuses) return { ok: false, error, leaf, retryCount: retry, statuses: [], final: true };
        if (!hits(statuses, leaf.retry.onStatusCodes))
          return { ok: false, error, leaf, retryCount: retry, statuses, final: false };
        if (retry >= leaf.retry.attempts) return { ok: false, error, leaf, retryCount: -1, statuses, final: false };
        const headers = error instanceof UpstreamError ? error.headers : undefined;
        const delay = nextRetryDelay(retry, headers, options.timing, waitBudget, options.random);
        if (delay === undefined) return { ok: false, error, leaf, retryCount: -1, statuses, final: false };
        waitBudget -= delay;
        if (!(await options.sleep(delay, options.signal))) return aborted(leaf, retry);
      }
    }
  }

  async function runStrategy(node: StrategyNode): Promise<RouteOutcome<T>> {
    switch (node.mode) {
      case "single":
        return run(node.children[0] as PlanNode);
      case "loadbalance":
        return run(node.children[pickWeighted(node, options.random())] as PlanNode);
      case "conditional": {
        const index = pickCondition(node, options.route);
        if (index === undefined) {
          const error = new BadRequestError(
            `No condition of ${node.path}.strategy matched this request and there is no default target.`,
            { code: "no_matching_condition", param: `${node.path}.strategy.conditions` },
          );
          return { ok: false, error, retryCount: 0, statuses: [], final: true };
        }
        return run(node.children[index] as PlanNode);
      }
      case "fallback": {
        let last: RouteFailure | undefined;
        for (const child of node.children) {
          const outcome = await run(child);
          if (outcome.ok || outcome.final) return outcome;
          last = outcome;
          if (node.onStatusCodes && !hits(outcome.statuses, node.onStatusCodes)) return outcome;
        }
        return last as RouteFailure;
      }
    }
  }

  function run(node: PlanNode): Promise<RouteOutcome<T>> {
    return node.kind === "leaf" ? runWithRetries(node) : runStrategy(node);
  }

  return run(plan.root);
}
