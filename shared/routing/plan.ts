import type { Predicate } from "./conditions";
import type { StrategyMode } from "./config-schema";

/**
 * A compiled routing plan: the validated config as a tree whose every decision is precomputed (inheritance
 * merged into the leaves, cumulative weights, compiled condition predicates, status-code sets). Immutable and
 * shared by every request that uses the same config.
 */
export interface RetryPolicy {
  /** Retries after the first try (0 = try once). */
  readonly attempts: number;
  readonly onStatusCodes: ReadonlySet<number>;
}

/** The embedding target of semantic mode: a virtual key, or a provider with its key, and the model. */
export interface EmbeddingTargetSettings {
  readonly virtualKey?: string;
  readonly provider?: string;
  readonly apiKey?: string;
  readonly customHost?: string;
  readonly model: string;
}

export interface CacheSettings {
  readonly mode: "simple" | "semantic";
  readonly maxAgeSeconds?: number;
  readonly similarityThreshold?: number;
  /** Always set in semantic mode (the config schema requires it). */
  readonly embedding?: EmbeddingTargetSettings;
}

/** A target that is actually called. */
export interface LeafNode {
  readonly kind: "leaf";
  /** Portkey's option path for `x-portkey-last-used-option-index`, e.g. `config.targets[1].targets[0]`. */
  readonly path: string;
  readonly name?: string;
  /** Undefined only for the root of a config without provider/targets: provider and key come from headers. */
  readonly provider?: string;
  readonly apiKey?: string;
  readonly virtualKey?: string;
  readonly customHost?: string;
  /** True when provider, key and custom host come from the request headers (no provider in the config). */
  readonly fromHeaders: boolean;
  /** Provider settings: the target's keys the config schema does not know (e.g. `api_version`). */
  readonly options: Readonly<Record<string, string>>;
  /** Merged from every ancestor (child keys win); undefined when there is nothing to override. */
  readonly overrideParams?: Readonly<Record<string, unknown>>;
  readonly retry: RetryPolicy;
  readonly requestTimeoutMs?: number;
  readonly cache?: CacheSettings;
  readonly beforeRequestHooks?: readonly unknown[];
  readonly afterRequestHooks?: readonly unknown[];
  /** Header names to forward upstream (config `forward_headers`), lower-case. */
  readonly forwardHeaders?: readonly string[];
  /**
   * Config `prompt_id`: on a prompt completion, this target renders that prompt (version or label) with the call's
   * variables; without `provider` / `virtual_key` it runs on the prompt's virtual key.
   */
  readonly promptId?: string;
}

export interface ConditionBranch {
  readonly predicate: Predicate;
  readonly childIndex: number;
}

export interface StrategyNode {
  readonly kind: "strategy";
  readonly path: string;
  readonly mode: StrategyMode;
  readonly children: readonly PlanNode[];
  /** Fallback moves on only for these statuses; undefined = for any failure (Portkey: any non-2xx). */
  readonly onStatusCodes?: ReadonlySet<number>;
  /** Loadbalance: running sums of the children's weights (weight 0 entries can never be picked). */
  readonly cumulativeWeights: Float64Array;
  readonly totalWeight: number;
  readonly conditions: readonly ConditionBranch[];
  readonly defaultIndex?: number;
}

export type PlanNode = LeafNode | StrategyNode;

export interface CompiledPlan {
  readonly root: PlanNode;
  /** Every leaf, in config order. */
  readonly leaves: readonly LeafNode[];
  /** Custom hosts named anywhere in the config, for one SSRF check when the plan is built. */
  readonly customHosts: readonly string[];
  /** False for the synthetic plan of a request without `x-portkey-config`. */
  readonly fromConfig: boolean;
}

export const DEFAULT_RETRY_STATUS_CODES: readonly number[] = [429, 500, 502, 503, 504];
export const NO_RETRY: RetryPolicy = Object.freeze({ attempts: 0, onStatusCodes: new Set(DEFAULT_RETRY_STATUS_CODES) });

/** The plan of a request that names its provider by headers only: one leaf, no retries, as before configs. */
export const HEADER_ONLY_PLAN: CompiledPlan = Object.freeze({
  root: Object.freeze({ kind: "leaf", path: "config", fromHeaders: true, options: {}, retry: NO_RETRY }),
  leaves: [],
  customHosts: [],
  fromConfig: false,
}) as CompiledPlan;
