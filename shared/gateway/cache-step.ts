import type { CacheKeyInput } from "../cache/cache-key";
import {
  type CacheConfig,
  type CacheStatus,
  DEFAULT_CACHE_MAX_AGE_S,
  DEFAULT_SIMILARITY_THRESHOLD,
} from "../cache/cache-types";
import type { Coalescer } from "../cache/coalescer";
import { type CacheMiss, isCacheHit, type ResponseCache } from "../cache/response-cache";
import type { EmbeddingMemo } from "../cache/semantic/embedding-memo";
import { DEFAULT_REPLAY_CHUNK_CHARS, replayAsSse } from "../cache/sse-replay";
import { ChatStreamCollector } from "../cache/stream-collector";
import { type Endpoint, endpointsWhere } from "../core/endpoints";
import type { CacheSettings } from "../routing/plan";
import type { AttemptResult, JsonAttempt } from "./attempt";
import { type EmbeddingCallContext, embedderFor, embeddingTargetId } from "./embedding-call";

/** Answers a cache can hold (the endpoint table's `cacheable`): JSON documents that do not depend on side effects. */
export const CACHEABLE_ENDPOINTS: ReadonlySet<Endpoint> = endpointsWhere((row) => row.cacheable);
/** Streamed answers longer than this are not collected for the cache. */
const MAX_CACHED_STREAM_BYTES = 1024 * 1024;

export interface CacheDeps {
  readonly cache: ResponseCache;
  readonly coalescer: Coalescer<string>;
  /** Semantic mode: recent embeddings by text, so a repeated lookup pays no upstream embedding call. */
  readonly embedMemo?: EmbeddingMemo;
}

/** A cached chat completion replayed to a streaming client. */
export interface CachedStreamAttempt {
  readonly kind: "cached-stream";
  readonly status: 200;
  readonly headers: Record<string, string>;
  readonly events: readonly string[];
  readonly model: string;
}

export type CachedAttemptResult = AttemptResult | CachedStreamAttempt;

/** Per-request hooks the core drives: stream bytes in, stream completion, post-response work. */
export interface CacheRequestState {
  status: CacheStatus | undefined;
  /** The answer came from a concurrent identical request's upstream call (coalesced): no tokens used here. */
  shared: boolean;
  /** Sees every streamed chunk of the current attempt (set while a cacheable stream runs). */
  tap: ((chunk: Buffer | string) => void) | undefined;
  /** Called by the core when the current stream finished cleanly. */
  onStreamComplete: (() => void) | undefined;
  /** Registers work that must finish before the invocation ends (cache writes). */
  readonly background: (work: Promise<unknown>) => void;
  /** Why the lookup fell back to a plain MISS (store unreachable, embedding target failed), for the log. */
  lookupError?: string;
}

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

export interface CachedRunInput {
  readonly deps: CacheDeps;
  readonly state: CacheRequestState;
  readonly settings: CacheSettings;
  readonly key: CacheKeyInput;
  readonly forceRefresh: boolean;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly signal: AbortSignal;
  /** Semantic mode: how to reach the config's embedding target (the request's provider layer and keys). */
  readonly embedding?: EmbeddingCallContext;
  /** The real upstream attempt. */
  readonly run: () => Promise<AttemptResult>;
}

/**
 * One target attempt behind the cache: a HIT answers without an upstream call (replayed as SSE for streaming
 * clients); a MISS runs the attempt - concurrent identical JSON misses share one upstream call - and stores a
 * successful answer under the target that produced it, after the response.
 */
export async function runCached(input: CachedRunInput): Promise<CachedAttemptResult> {
  const { deps, state } = input;
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
  state.status = lookup.status;
  if ("error" in lookup && lookup.error) state.lookupError = lookup.error;
  if (isCacheHit(lookup)) {
    if (!input.stream) return fromCachedBody(lookup.entry.body, lookup.entry.model);
    const events = replayAsSse(lookup.entry.body, {
      includeUsage: input.includeUsage,
      chunkChars: DEFAULT_REPLAY_CHUNK_CHARS,
    });
    if (events) return { kind: "cached-stream", status: 200, headers: {}, events, model: lookup.entry.model };
    state.status = "MISS"; // only chat completions replay as SSE: anything else is answered by the upstream
  }
  if (lookup.status === "DISABLED" || isCacheHit(lookup)) return input.run();
  const miss = lookup as CacheMiss;
  const store = (body: string, model: string | undefined) =>
    state.background(deps.cache.store(miss, key, { body, provider: key.provider, model: model ?? key.model }));

  if (input.stream) {
    const collector = new ChatStreamCollector(MAX_CACHED_STREAM_BYTES);
    state.tap = (chunk) => collector.push(chunk);
    state.onStreamComplete = () => {
      const json = collector.result();
      if (json) store(json, undefined);
    };
    return input.run();
  }

  const coalesced = await deps.coalescer.run(
    miss.hash,
    input.run,
    (result) =>
      result.kind === "json" && result.status === 200 && result.response.contentType === "application/json"
        ? result.response.body.toString()
        : undefined,
    (body) => fromCachedBody(body, key.model),
    input.signal,
  );
  const result = coalesced.value;
  state.shared = coalesced.role === "follower";
  if (coalesced.role !== "follower" && result.kind === "json" && result.status === 200) {
    store(result.response.body.toString(), result.response.model);
  }
  return result;
}
