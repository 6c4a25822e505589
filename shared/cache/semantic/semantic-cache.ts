import { randomUUID } from "node:crypto";
import type { CacheKeyInput } from "../cache-key";
import type { CachedResponse, CacheStore } from "../cache-types";
import { cosineSimilarity, type RandomHyperplaneLsh } from "./lsh";
import type { SemanticIndex } from "./semantic-index";
import { semanticView } from "./semantic-request";

/** Embeds one text. The integrator routes it through the provider layer to the configured embedding target. */
export type Embed = (text: string) => Promise<number[]>;

export interface SemanticCacheDeps {
  readonly index: SemanticIndex;
  readonly store: CacheStore;
  readonly embed: Embed;
  readonly lsh: RandomHyperplaneLsh;
  /** Entries read per band bucket (newest first): the candidate set is at most bands x this. */
  readonly perBucketLimit: number;
  readonly now: () => number;
}

export type SemanticLookup =
  | { readonly kind: "hit"; readonly entry: CachedResponse; readonly similarity: number; readonly candidates: number }
  | { readonly kind: "miss"; readonly pending: SemanticPending; readonly best: number; readonly candidates: number }
  | { readonly kind: "ineligible"; readonly reason: string };

/** What a miss hands to `remember` once the answer is in the exact cache. */
export interface SemanticPending {
  readonly workspaceId: string;
  readonly buckets: readonly string[];
  readonly vector: Float32Array;
}

export class SemanticCache {
  constructor(private readonly deps: SemanticCacheDeps) {}

  async lookup(input: CacheKeyInput, threshold: number): Promise<SemanticLookup> {
    const view = semanticView(input);
    if (!view.eligible) return { kind: "ineligible", reason: view.reason };
    const vector = Float32Array.from(await this.deps.embed(view.text));
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
