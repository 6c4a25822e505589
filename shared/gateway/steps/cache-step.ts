import type { CacheDeps } from "../../cache/cache-deps";
import type { CacheKeyInput } from "../../cache/cache-key";
import { type CacheConfig, DEFAULT_CACHE_MAX_AGE_S, DEFAULT_SIMILARITY_THRESHOLD } from "../../cache/cache-types";
import { type CacheLookup, type CacheMiss, isCacheHit } from "../../cache/response-cache";
import { DEFAULT_REPLAY_CHUNK_CHARS, replayAsSse } from "../../cache/sse-replay";
import { ChatStreamCollector } from "../../cache/stream-collector";
import { type Endpoint, endpointsWhere } from "../../core/endpoints";
import type { UpstreamTransport } from "../../http/upstream";
import type { ProviderRegistry } from "../../providers/registry";
import type { CacheSettings } from "../../routing/plan";
import type { CachedAttemptResult, JsonAttempt } from "../attempt";
import { type EmbeddingCallContext, embedderFor, embeddingTargetId } from "../embedding-call";
import type { LeafCacheMiss, LeafRun, LeafStep } from "../leaf-run";
import type { PortkeyHeaders } from "../portkey-headers";

/** Answers a cache can hold (the endpoint table's `cacheable`): JSON documents that do not depend on side effects. */
export const CACHEABLE_ENDPOINTS: ReadonlySet<Endpoint> = endpointsWhere((row) => row.cacheable);
/**
 * Endpoints whose streams neither fill nor read the cache (their JSON answers do): the stream collector and the
 * replay speak OpenAI's chunks, not another API's events (Anthropic's Messages; ADR 0030).
 */
const STREAMS_UNCACHED: ReadonlySet<Endpoint> = endpointsWhere((row) => row.api !== undefined);
/** Streamed answers longer than this are not collected for the cache. */
const MAX_CACHED_STREAM_BYTES = 1024 * 1024;

const configs = new WeakMap<CacheSettings, CacheConfig>();

/** The cache module's config for a plan's cache settings, built once per compiled plan. */
export function cacheConfigOf(settings: CacheSettings): CacheConfig {
  let config = configs.get(settings);
  if (!config) {
    config = {
      mode: settings.mode,
      max_age: settings.maxAgeSeconds ?? DEFAULT_CACHE_MAX_AGE_S,
      similarity_threshold: settings.similarityThreshold ?? DEFAULT_SIMILARITY_THRESHOLD,
    };
    configs.set(settings, config);
  }
  return config;
}

function fromCachedBody(body: string, model: string): JsonAttempt {
  return {
    kind: "json",
    status: 200,
    headers: {},
    response: { body, contentType: "application/json", model },
    latencyMs: 0,
  };
}

/** What followers of a coalesced call get: a successful JSON answer, else nothing (each then calls on its own). */
function shareable(result: CachedAttemptResult): string | undefined {
  return result.kind === "json" && result.status === 200 && result.response.contentType === "application/json"
    ? result.response.body.toString()
    : undefined;
}

export interface CacheLookupInput {
  readonly deps: CacheDeps;
  readonly settings: CacheSettings;
  readonly key: CacheKeyInput;
  readonly forceRefresh: boolean;
  /** Semantic mode: how to reach the config's embedding target (the request's provider layer and keys). */
  readonly embedding?: EmbeddingCallContext;
}

/** One cache lookup for one target, and the key it used (semantic mode names the embedding target in it). */
export async function lookupCache(input: CacheLookupInput): Promise<{ lookup: CacheLookup; key: CacheKeyInput }> {
  const { deps } = input;
  const target = input.settings.embedding;
  // semantic mode: vectors are compared only with those of the same embedding target
  const key = target ? { ...input.key, embeddingTarget: embeddingTargetId(target) } : input.key;
  const lookup = await deps.cache.lookup({
    key,
    config: cacheConfigOf(input.settings),
    forceRefresh: input.forceRefresh,
    embed:
      target && input.embedding ? embedderFor(target, key.workspaceId, input.embedding, deps.embedMemo) : undefined,
  });
  return { lookup, key };
}

export interface CacheStepDeps {
  readonly cache: CacheDeps;
  /** The provider layer semantic lookups call their embedding target through. */
  readonly providers: ProviderRegistry;
  readonly transport: UpstreamTransport;
  /** Work that must finish before the invocation ends (cache writes). */
  readonly background: (work: Promise<unknown>) => void;
}

/**
 * The response cache as a leaf step, for targets whose config sets `cache` (ADR 0017, 0018). `before`: a HIT
 * answers without an upstream call (replayed as SSE for streaming clients); a concurrent identical JSON miss waits
 * for the one upstream call already running and shares its answer. `after`: a successful answer is stored under
 * the target that produced it, after the response; a stream is collected as it is sent and stored when it ends
 * cleanly. `failed`: a coalesced call that failed lets its followers call on their own.
 */
export function createCacheStep(deps: CacheStepDeps): LeafStep {
  const { cache, background } = deps;
  const store = (entry: LeafCacheMiss, body: string, model: string | undefined) =>
    background(
      cache.cache.store(entry.miss, entry.key, { body, provider: entry.key.provider, model: model ?? entry.key.model }),
    );

  return {
    name: "cache",

    before(leafRun: LeafRun): Promise<CachedAttemptResult | undefined> | undefined {
      const { leaf, ctx } = leafRun;
      if (!leaf.cache || !CACHEABLE_ENDPOINTS.has(ctx.endpoint)) return undefined;
      if (STREAMS_UNCACHED.has(ctx.endpoint) && leafRun.adapter.isStreaming(ctx)) return undefined;
      return lookUp(leafRun, leaf.cache);
    },

    after(leafRun: LeafRun, result: CachedAttemptResult): CachedAttemptResult {
      const entry = leafRun.cacheMiss;
      if (!entry) return result;
      entry.leader?.settle(shareable(result));
      if (result.kind === "json" && result.status === 200) {
        store(entry, result.response.body.toString(), result.response.model);
      }
      return result;
    },

    failed(leafRun: LeafRun): void {
      leafRun.cacheMiss?.leader?.settle(undefined);
    },
  };

  async function lookUp(leafRun: LeafRun, settings: CacheSettings): Promise<CachedAttemptResult | undefined> {
    const { run, leaf, target, adapter, ctx } = leafRun;
    const h = run.headers as PortkeyHeaders;
    const { lookup, key } = await lookupCache({
      deps: cache,
      settings,
      key: {
        workspaceId: run.principal?.workspaceId ?? "anonymous",
        endpoint: ctx.endpoint,
        provider: target.provider,
        // who answers: an answer from one upstream is never served for another (cache-key.ts)
        customHost: target.customHost,
        virtualKey: leaf.virtualKey ?? (leaf.fromHeaders ? (h.virtualKey ?? run.modelSlug) : undefined),
        options: target.options,
        model: String(ctx.body.model ?? ""),
        body: ctx.body,
        namespace: h.cacheNamespace,
      },
      forceRefresh: h.cacheForceRefresh,
      embedding: {
        providers: deps.providers,
        transport: deps.transport,
        virtualKeys: run.virtualKeys,
        signal: run.req.signal,
      },
    });
    run.cacheStatus = lookup.status;
    if ("error" in lookup && lookup.error) run.cacheLookupError = lookup.error;
    const stream = adapter.isStreaming(ctx);
    if (isCacheHit(lookup)) {
      if (!stream) return fromCachedBody(lookup.entry.body, lookup.entry.model);
      const includeUsage = (ctx.body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
      const events = replayAsSse(lookup.entry.body, { includeUsage, chunkChars: DEFAULT_REPLAY_CHUNK_CHARS });
      if (events) return { kind: "cached-stream", status: 200, headers: {}, events, model: lookup.entry.model };
      run.cacheStatus = "MISS"; // only chat completions replay as SSE: anything else is answered by the upstream
      return undefined;
    }
    if (lookup.status === "DISABLED") return undefined;
    const miss = lookup as CacheMiss;

    if (stream) {
      const collector = new ChatStreamCollector(MAX_CACHED_STREAM_BYTES);
      const entry: LeafCacheMiss = { miss, key, leader: undefined };
      leafRun.tap = (chunk) => collector.push(chunk);
      leafRun.onStreamComplete = () => {
        const json = collector.result();
        if (json) store(entry, json, undefined);
      };
      return undefined;
    }

    // concurrent identical JSON misses share one upstream call
    const leader = cache.coalescer.lead(miss.hash);
    if (!leader) {
      const shared = await cache.coalescer.follow(miss.hash, run.req.signal);
      run.sharedAnswer = shared !== undefined;
      if (shared !== undefined) return fromCachedBody(shared, key.model);
    } else {
      run.sharedAnswer = false;
    }
    leafRun.cacheMiss = { miss, key, leader };
    return undefined;
  }
}
