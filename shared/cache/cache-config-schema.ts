import * as z from "zod";
import { DEFAULT_CACHE_MAX_AGE_S, DEFAULT_SIMILARITY_THRESHOLD, MAX_CACHE_MAX_AGE_S } from "./cache-types";

/**
 * `cache` in a Gateway Config (Portkey's shape, plus `similarity_threshold` for semantic mode), with its defaults.
 * The config compiler checks `cache` with its own schema (`routing/config-schema.ts`) and the cache step applies the
 * defaults (`cacheConfigOf`); this module stays off the gateway's cold path (ADR 0044).
 */
export const CacheConfigSchema = z.object({
  mode: z.enum(["simple", "semantic"]),
  max_age: z.number().int().positive().max(MAX_CACHE_MAX_AGE_S).default(DEFAULT_CACHE_MAX_AGE_S),
  similarity_threshold: z.number().min(0).max(1).default(DEFAULT_SIMILARITY_THRESHOLD),
});
