/** Values of `x-portkey-cache-status`, as Portkey writes them. */
export type CacheStatus = "HIT" | "SEMANTIC HIT" | "MISS" | "SEMANTIC MISS" | "REFRESH" | "DISABLED";

/** Seconds a cached answer lives when the config names no `max_age`, and the most it may name. */
export const DEFAULT_CACHE_MAX_AGE_S = 7 * 86_400;
export const MAX_CACHE_MAX_AGE_S = 90 * 86_400;
export const DEFAULT_SIMILARITY_THRESHOLD = 0.95;

/** `cache` in a Gateway Config, its defaults applied (`cacheConfigOf`; the same as `CacheConfigSchema`'s output). */
export interface CacheConfig {
  mode: "simple" | "semantic";
  max_age: number;
  similarity_threshold: number;
}

/** A cached non-error answer: the OpenAI JSON body and which target produced it. */
export interface CachedResponse {
  /** The OpenAI-shaped JSON answer (e.g. a `chat.completion`), as sent to the client. */
  readonly body: string;
  readonly provider: string;
  /** The model that actually answered (a fallback's answer is stored under its own model). */
  readonly model: string;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
}

export type CachePutResult =
  | { readonly stored: true; readonly bytes: number }
  | { readonly stored: false; readonly reason: string };

/** Port: exact-match response cache. Implementations check expiry on read (TTL deletion is lazy). */
export interface CacheStore {
  get(workspaceId: string, hash: string): Promise<CachedResponse | undefined>;
  put(workspaceId: string, hash: string, entry: CachedResponse): Promise<CachePutResult>;
}
