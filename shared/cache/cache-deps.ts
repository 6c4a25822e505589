import type { Coalescer } from "./coalescer";
import type { ResponseCache } from "./response-cache";
import type { EmbeddingMemo } from "./semantic/embedding-memo";

/** The response cache as the gateway core uses it (built once per process by the platform's adapters). */
export interface CacheDeps {
  readonly cache: ResponseCache;
  readonly coalescer: Coalescer<string>;
  /** Semantic mode: recent embeddings by text, so a repeated lookup pays no upstream embedding call. */
  readonly embedMemo?: EmbeddingMemo;
}
