import { randomUUID } from "node:crypto";
import type { CacheKeyInput } from "../cache-key";
import type { CachedResponse, CacheStore } from "../cache-types";
import { cosineSimilarity, type RandomHyperplaneLsh } from "./lsh";
import type { SemanticIndex } from "./semantic-index";
import { semanticView } from "./semantic-request";

/**
 * Embeds one text. In the gateway it calls the config's embedding target through the provider layer (see
 * `shared/gateway/embedding-call.ts`), per request, memoised by `EmbeddingMemo`.
 */
export type Embed = (text: string) => Promise<ArrayLike<number>>;

/** Entries read per LSH band bucket: with 6 bands a lookup compares at most 96 vectors. */
export const DEFAULT_PER_BUCKET_LIMIT = 16;

export interface SemanticCacheDeps {
  readonly index: SemanticIndex;
  readonly store: CacheStore;
  /** Fallback when `lookup` gets no per-request `embed` (tests); the gateway always passes one per request. */
  readonly embed?: Embed;
  readonly lsh: RandomHyperplaneLsh;
  /** Entries read per band bucket (newest first): the candidate set is at most bands x this. */
  readonly perBucketLimit: number;
  readonly now: () => number;
}

export type SemanticLookup =
  | { readonly kind: "hit"; readonly entry: CachedResponse; readonly similarity: number; readonly candidates: number }
  | { readonly kind: "miss"; readonly pending: SemanticPending; readonly best: number; readonly candidates: number }
  | { readonly kind: "ineligible"; readonly reason: string }
  /** No vector (the embedding target failed or none was given): the request is answered as a plain miss. */
  | { readonly kind: "unavailable"; readonly reason: string };

/** What a miss hands to `remember` when its answer is written to the exact cache. */
export interface SemanticPending {
  readonly workspaceId: string;
  readonly buckets: readonly string[];
  readonly vector: Float32Array;
}

export class SemanticCache {
  constructor(private readonly deps: SemanticCacheDeps) {}

  async lookup(input: CacheKeyInput, threshold: number, embed = this.deps.embed): Promise<SemanticLookup> {
    const view = semanticView(input);
    if (!view.eligible) return { kind: "ineligible", reason: view.reason };
    if (!embed) return { kind: "unavailable", reason: "no embedding target for this request" };
    let vector: Float32Array;
    try {
      vector = Float32Array.from(await embed(view.text));
    } catch (err) {
      return { kind: "unavailable", reason: `embedding failed: ${(err as Error).message}` };
    }
    if (vector.length === 0) return { kind: "unavailable", reason: "embedding failed: an empty vector" };
    const buckets = this.deps.lsh.buckets(vector).map((b) => `${view.contextHash}#${b}`);
    const lists = await Promise.all(
      buckets.map((b) => this.deps.index.query(input.workspaceId, b, this.deps.perBucketLimit)),
    );
    const seen = new Set<string>();
    const ranked: { similarity: number; responseHash: string }[] = [];
    for (const entry of lists.flat()) {
      if (seen.has(entry.id)) continue;
      seen.add(entry.id);
      ranked.push({ similarity: cosineSimilarity(vector, entry.vector), responseHash: entry.responseHash });
    }
    ranked.sort((a, b) => b.similarity - a.similarity);
    for (const candidate of ranked) {
      if (candidate.similarity < threshold) break;
      const entry = await this.deps.store.get(input.workspaceId, candidate.responseHash);
      if (entry) return { kind: "hit", entry, similarity: candidate.similarity, candidates: seen.size };
    }
    return {
      kind: "miss",
      pending: { workspaceId: input.workspaceId, buckets, vector },
      best: ranked[0]?.similarity ?? 0,
      candidates: seen.size,
    };
  }

  /** Indexes a request whose answer was just stored under `responseHash` in the exact cache. */
  async remember(pending: SemanticPending, responseHash: string, expiresAtMs: number): Promise<void> {
    await this.deps.index.put(pending.workspaceId, pending.buckets, {
      id: randomUUID(),
      vector: pending.vector,
      responseHash,
      createdAtMs: this.deps.now(),
      expiresAtMs,
    });
  }
}
