/** One remembered request: its embedding and a pointer to the cached answer (the exact cache key). */
export interface SemanticEntry {
  readonly id: string;
  readonly vector: Float32Array;
  /** Exact-cache hash under which the answer is stored (`CacheStore.get(workspace, responseHash)`). */
  readonly responseHash: string;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
}

/**
 * Port: LSH buckets of semantic entries. A bucket is (workspace, context hash, band bucket). `query` returns at
 * most `limit` entries of one bucket, newest first, expired ones excluded, so a lookup reads a bounded set.
 */
export interface SemanticIndex {
  query(workspaceId: string, bucket: string, limit: number): Promise<SemanticEntry[]>;
  put(workspaceId: string, buckets: readonly string[], entry: SemanticEntry): Promise<void>;
}

export class MemorySemanticIndex implements SemanticIndex {
  private readonly buckets = new Map<string, SemanticEntry[]>();

  constructor(private readonly now: () => number) {}

  async query(workspaceId: string, bucket: string, limit: number): Promise<SemanticEntry[]> {
    const now = this.now();
    const all = this.buckets.get(`${workspaceId}#${bucket}`) ?? [];
    const live = all.filter((e) => e.expiresAtMs > now);
    if (live.length !== all.length) this.buckets.set(`${workspaceId}#${bucket}`, live);
    return live.slice(-limit).reverse();
  }

  async put(workspaceId: string, buckets: readonly string[], entry: SemanticEntry): Promise<void> {
    for (const bucket of buckets) {
      const id = `${workspaceId}#${bucket}`;
      const list = this.buckets.get(id) ?? [];
      list.push(entry);
      this.buckets.set(id, list);
    }
  }
}
