import type { CacheKeyInput } from "../cache/cache-key";
import type { CacheMiss } from "../cache/response-cache";
import type { LeafGuard } from "../guardrails/guardrails";
import type { ProviderAdapter, ProviderTarget, TransformContext } from "../providers/types";
import type { LeafNode } from "../routing/plan";
import type { CachedAttemptResult } from "./attempt";
import type { RequestRun } from "./request-run";
import type { StreamFilter } from "./translated-stream";

/**
 * One per-target (leaf) step (docs/architecture.md, "One request through the gateway"; ADR 0025): built once per
 * process, run for every attempt at a target of the plan.
 *
 * - `before`, in list order: may answer for the upstream (a cache hit: no upstream call, no attempt recorded) or
 *   throw (a guardrail deny: the executor sees the error like an upstream's).
 * - `after`, in reverse order, on the answer (from the upstream or from a step), for every step whose `before` was
 *   entered: returns the answer to pass on, or throws (the answer is then refused, e.g. an after-request deny).
 * - `failed`, in reverse order, instead of `after` when the attempt or a later step's `after` failed: releases
 *   what `before` took (e.g. followers waiting for a coalesced call). Never throws.
 */
export interface LeafStep {
  readonly name: string;
  before?(leaf: LeafRun): Promise<CachedAttemptResult | undefined> | CachedAttemptResult | undefined;
  after?(leaf: LeafRun, result: CachedAttemptResult): Promise<CachedAttemptResult> | CachedAttemptResult;
  failed?(leaf: LeafRun, err: unknown): void;
}

/** The cache step's state for one attempt that missed: where its answer is stored, and who waits for it. */
export interface LeafCacheMiss {
  readonly miss: CacheMiss;
  readonly key: CacheKeyInput;
  /** Set when this attempt leads a coalesced call: followers get its answer when it settles. */
  readonly leader: { settle(value: string | undefined): void } | undefined;
}

/** One attempt at one target: its resolved target, the provider transform's input, and the steps' state. */
export class LeafRun {
  /** guardrails step: the target's hooks for this attempt (undefined: none apply) */
  guard: LeafGuard | undefined = undefined;
  /** cache step: the miss this attempt's answer is stored under */
  cacheMiss: LeafCacheMiss | undefined = undefined;
  /** Sees every streamed chunk of this attempt, and its clean end (the cache step collects a stream with them). */
  tap: ((chunk: Buffer | string) => void) | undefined = undefined;
  onStreamComplete: (() => void) | undefined = undefined;
  /** guardrails step: rewrites and judges this attempt's stream (after-request hooks on a streamed answer) */
  streamFilter: StreamFilter | undefined = undefined;

  constructor(
    readonly run: RequestRun,
    readonly leaf: LeafNode,
    readonly target: ProviderTarget,
    readonly adapter: ProviderAdapter,
    /** The transform's input; the guardrails step replaces it when a before-request hook transformed the body. */
    public ctx: TransformContext,
  ) {}
}
