import { DEFAULT_PER_BUCKET_LIMIT } from "./semantic-cache";
import type { SemanticEntry, SemanticIndex } from "./semantic-index";

/**
 * A bounded in-process copy of the recent index writes in front of the shared index (DynamoDB), like
 * `TieredCacheStore` for answers: `put` lands in memory synchronously (a similar request right behind the one
 * that filled the cache already finds it, before the DynamoDB write has finished) and in the shared index for
 * the other instances. `query` merges both (deduplicated by entry id, newest first, at most `limit`).
 */
export interface TieredSemanticIndexOptions {
  /** Buckets kept in memory (least recently used go first). */
  readonly maxBuckets: number;
  /** Entries kept per bucket in memory (newest); match the lookup's per-bucket limit. */
  readonly perBucket: number;
  readonly now: () => number;
}

export const DEFAULT_TIERED_SEMANTIC_INDEX: Omit<TieredSemanticIndexOptions, "now"> = Object.freeze({
  maxBuckets: 5_000,
  perBucket: DEFAULT_PER_BUCKET_LIMIT,
});

export class TieredSemanticIndex implements SemanticIndex {
  /** `<workspace>#<bucket>` -> entries, oldest first; Map order = recency of use. */
  private readonly recent = new Map<string, SemanticEntry[]>();

  constructor(
    private readonly shared: SemanticIndex,
    private readonly opts: TieredSemanticIndexOptions,
  ) {}

  async query(workspaceId: string, bucket: string, limit: number): Promise<SemanticEntry[]> {
    const local = this.localEntries(`${workspaceId}#${bucket}`);
    const shared = await this.shared.query(workspaceId, bucket, limit);
    if (local.length === 0) return shared;
    const byId = new Map<string, SemanticEntry>();
    for (const entry of [...shared, ...local]) byId.set(entry.id, entry);
    return [...byId.values()].sort((a, b) => b.createdAtMs - a.createdAtMs).slice(0, limit);
  }

  put(workspaceId: string, buckets: readonly string[], entry: SemanticEntry): Promise<void> {
    for (const bucket of buckets) this.remember(`${workspaceId}#${bucket}`, entry);
    return this.shared.put(workspaceId, buckets, entry);
  }

  private localEntries(id: string): SemanticEntry[] {
    const list = this.recent.get(id);
    if (!list) return [];
    const now = this.opts.now();
    const live = list.filter((e) => e.expiresAtMs > now);
    this.recent.delete(id);
    if (live.length > 0) this.recent.set(id, live);
    return live;
  }

  private remember(id: string, entry: SemanticEntry): void {
    const list = this.recent.get(id) ?? [];
    this.recent.delete(id);
    list.push(entry);
    if (list.length > this.opts.perBucket) list.splice(0, list.length - this.opts.perBucket);
    this.recent.set(id, list);
    while (this.recent.size > this.opts.maxBuckets) {
      this.recent.delete(this.recent.keys().next().value as string);
    }
  }
}
