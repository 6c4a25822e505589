import { type CacheKeyInput, cacheKey } from "./cache-key";
import type { CacheConfig, CachedResponse, CachePutResult, CacheStatus, CacheStore } from "./cache-types";
import type { Embed, SemanticCache, SemanticPending } from "./semantic/semantic-cache";

/**
 * The per-request face of the cache for the gateway core. Lookup order: no config -> DISABLED;
 * `x-portkey-cache-force-refresh` -> REFRESH (no read, the answer is written); exact key -> HIT; semantic mode ->
 * SEMANTIC HIT / SEMANTIC MISS; else MISS. A failing store never fails the request: a lookup error is a miss
 * (with `error` for the log) and a write error is a `stored: false` with the reason.
 */
export interface CacheLookupInput {
  readonly key: CacheKeyInput;
  readonly config: CacheConfig | undefined;
  readonly forceRefresh: boolean;
  /** Semantic mode: embeds the last user turn through the request's embedding target (called at most once). */
  readonly embed?: Embed;
}

export type CacheLookup =
  | {
      readonly status: "HIT" | "SEMANTIC HIT";
      readonly entry: CachedResponse;
      readonly hash: string;
      readonly similarity?: number;
    }
  | {
      readonly status: "MISS" | "SEMANTIC MISS" | "REFRESH";
      readonly hash: string;
      readonly config: CacheConfig;
      readonly semantic?: SemanticPending;
      readonly error?: string;
    }
  | { readonly status: "DISABLED" };

export type CacheMiss = Extract<CacheLookup, { status: "MISS" | "SEMANTIC MISS" | "REFRESH" }>;
export type CacheHit = Extract<CacheLookup, { status: "HIT" | "SEMANTIC HIT" }>;

export interface ResponseCacheDeps {
  readonly store: CacheStore;
  /** Required for `mode: "semantic"`; without it (unit tests of the simple cache) semantic configs miss plainly. */
  readonly semantic?: SemanticCache;
  readonly now: () => number;
}

export class ResponseCache {
  constructor(private readonly deps: ResponseCacheDeps) {}

  async lookup(input: CacheLookupInput): Promise<CacheLookup> {
    const { config } = input;
    if (!config) return { status: "DISABLED" };
    const hash = cacheKey(input.key);
    if (input.forceRefresh) return { status: "REFRESH", hash, config };
    try {
      const entry = await this.deps.store.get(input.key.workspaceId, hash);
      if (entry) return { status: "HIT", entry, hash };
      if (config.mode !== "semantic" || !this.deps.semantic) return { status: "MISS", hash, config };
      const found = await this.deps.semantic.lookup(input.key, config.similarity_threshold, input.embed);
      if (found.kind === "hit")
        return { status: "SEMANTIC HIT", entry: found.entry, hash, similarity: found.similarity };
      if (found.kind === "ineligible") return { status: "MISS", hash, config };
      if (found.kind === "unavailable") return { status: "MISS", hash, config, error: found.reason };
      return { status: "SEMANTIC MISS", hash, config, semantic: found.pending };
    } catch (err) {
      return { status: "MISS", hash, config, error: (err as Error).message };
    }
  }

  /**
   * Stores a successful answer. `answeredBy` is the key input of the target that actually answered (after a
   * fallback it differs from the one looked up), so the answer is filed under the model that produced it.
   */
  async store(
    miss: CacheMiss,
    answeredBy: CacheKeyInput,
    answer: { readonly body: string; readonly provider: string; readonly model: string },
  ): Promise<CachePutResult> {
    const hash = cacheKey(answeredBy);
    const createdAtMs = this.deps.now();
    const entry: CachedResponse = { ...answer, createdAtMs, expiresAtMs: createdAtMs + miss.config.max_age * 1000 };
    try {
      // Both writes start now (their in-process tiers are written synchronously, so the next request of this
      // instance sees them). An index entry whose answer the store refused (too large) only costs a skipped
      // candidate on lookup: the answer is read through the exact store, never from the index.
      const put = this.deps.store.put(answeredBy.workspaceId, hash, entry);
      const indexed =
        miss.semantic && this.deps.semantic && hash === miss.hash
          ? this.deps.semantic.remember(miss.semantic, hash, entry.expiresAtMs)
          : undefined;
      const [result] = await Promise.all([put, indexed]);
      return result;
    } catch (err) {
      return { stored: false, reason: `cache write failed: ${(err as Error).message}` };
    }
  }
}

/** The `x-portkey-cache-status` value for a lookup. */
export function cacheStatusOf(lookup: CacheLookup): CacheStatus {
  return lookup.status;
}

/** True for MISS / SEMANTIC MISS / REFRESH: the answer should be stored with `ResponseCache.store`. */
export function isCacheMiss(lookup: CacheLookup): lookup is CacheMiss {
  return lookup.status === "MISS" || lookup.status === "SEMANTIC MISS" || lookup.status === "REFRESH";
}

/** True for HIT / SEMANTIC HIT: answer with `lookup.entry` (use these guards: TS does not narrow `a || b` here). */
export function isCacheHit(lookup: CacheLookup): lookup is CacheHit {
  return lookup.status === "HIT" || lookup.status === "SEMANTIC HIT";
}
