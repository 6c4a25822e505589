import { createHash } from "node:crypto";
import type { Embed } from "./semantic-cache";

/**
 * A short-lived, bounded in-process memo of embeddings, so repeated lookups of the same text (a retried question,
 * a popular prompt) do not pay an upstream embedding call each time. Least recently used entries go first; an
 * entry lives `ttlMs` at most. Concurrent lookups of the same text share one call. Failures are not memoised.
 * Keys are a scope (workspace + embedding target + model, built by the caller) and the SHA-256 of the text, so
 * the memo never holds the text itself.
 */
export interface EmbeddingMemoOptions {
  readonly maxEntries: number;
  readonly ttlMs: number;
  readonly now: () => number;
}

/** 1,000 vectors of 1,536 float32 are ~6 MB; five minutes covers bursts of the same question. */
export const DEFAULT_EMBEDDING_MEMO: Omit<EmbeddingMemoOptions, "now"> = Object.freeze({
  maxEntries: 1_000,
  ttlMs: 5 * 60_000,
});

interface MemoEntry {
  readonly vector: Float32Array;
  readonly expiresAtMs: number;
}

export class EmbeddingMemo {
  private readonly entries = new Map<string, MemoEntry>();
  private readonly inFlight = new Map<string, Promise<Float32Array>>();
  /** Calls that went upstream / answers taken from the memo (for tests and metrics). */
  misses = 0;
  hits = 0;

  constructor(private readonly opts: EmbeddingMemoOptions) {
    if (opts.maxEntries < 1) throw new Error("EmbeddingMemo: maxEntries must be at least 1");
  }

  /** `embed` wrapped by the memo under `scope` (which must name everything that changes the vector). */
  wrap(scope: string, embed: Embed): Embed {
    const memo = this;
    return function memoisedEmbed(text: string): Promise<Float32Array> {
      return memo.get(`${scope}\n${createHash("sha256").update(text).digest("base64url")}`, text, embed);
    };
  }

  get size(): number {
    return this.entries.size;
  }

  private async get(key: string, text: string, embed: Embed): Promise<Float32Array> {
    const now = this.opts.now();
    const found = this.entries.get(key);
    if (found && found.expiresAtMs > now) {
      this.entries.delete(key);
      this.entries.set(key, found);
      this.hits += 1;
      return found.vector;
    }
    if (found) this.entries.delete(key);
    const pending = this.inFlight.get(key);
    if (pending) {
      this.hits += 1;
      return pending;
    }
    this.misses += 1;
    const call = embed(text).then((vector) => Float32Array.from(vector));
    this.inFlight.set(key, call);
    try {
      const vector = await call;
      this.entries.set(key, { vector, expiresAtMs: this.opts.now() + this.opts.ttlMs });
      while (this.entries.size > this.opts.maxEntries) {
        const oldest = this.entries.keys().next().value as string;
        this.entries.delete(oldest);
      }
      return vector;
    } finally {
      this.inFlight.delete(key);
    }
  }
}
