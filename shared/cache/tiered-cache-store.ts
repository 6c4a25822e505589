import type { CachedResponse, CachePutResult, CacheStore } from "./cache-types";
import type { MemoryCacheStore } from "./memory-cache-store";

/**
 * An in-process LRU in front of the shared store (DynamoDB). Reads try memory first (no round trip for a warm
 * key); writes land in memory at once - so a request right behind the one that filled the cache already hits -
 * and in the shared store for the other instances. Entries are immutable per key and expire at the same instant
 * in both tiers; a REFRESH on another instance is seen here once the local copy expires (documented).
 */
export class TieredCacheStore implements CacheStore {
  constructor(
    private readonly memory: MemoryCacheStore,
    private readonly shared: CacheStore,
  ) {}

  async get(workspaceId: string, hash: string): Promise<CachedResponse | undefined> {
    const local = this.memory.getSync(workspaceId, hash);
    if (local) return local;
    const found = await this.shared.get(workspaceId, hash);
    if (found) void this.memory.put(workspaceId, hash, found);
    return found;
  }

  put(workspaceId: string, hash: string, entry: CachedResponse): Promise<CachePutResult> {
    void this.memory.put(workspaceId, hash, entry);
    return this.shared.put(workspaceId, hash, entry);
  }
}
