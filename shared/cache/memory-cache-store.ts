import type { CachedResponse, CachePutResult, CacheStore } from "./cache-types";

export interface MemoryCacheOptions {
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly now: () => number;
}

/** In-process LRU (a Map in recency order), bounded by entries and bytes; expiry checked on read. */
export class MemoryCacheStore implements CacheStore {
  private readonly entries = new Map<string, { entry: CachedResponse; bytes: number }>();
  private bytes = 0;

  constructor(private readonly opts: MemoryCacheOptions) {}

  async get(workspaceId: string, hash: string): Promise<CachedResponse | undefined> {
    return this.getSync(workspaceId, hash);
  }

  /** Synchronous lookup for hot paths that want to skip a microtask. */
  getSync(workspaceId: string, hash: string): CachedResponse | undefined {
    const id = `${workspaceId}#${hash}`;
    const found = this.entries.get(id);
    if (!found) return undefined;
    this.entries.delete(id);
    if (found.entry.expiresAtMs <= this.opts.now()) {
      this.bytes -= found.bytes;
      return undefined;
    }
    this.entries.set(id, found);
    return found.entry;
  }

  async put(workspaceId: string, hash: string, entry: CachedResponse): Promise<CachePutResult> {
    const bytes = entry.body.length * 2 + 200;
    if (bytes > this.opts.maxBytes) return { stored: false, reason: `answer of ${bytes} bytes exceeds the cache size` };
    const id = `${workspaceId}#${hash}`;
    const old = this.entries.get(id);
    if (old) {
      this.entries.delete(id);
      this.bytes -= old.bytes;
    }
    this.entries.set(id, { entry, bytes });
    this.bytes += bytes;
    for (const [oldest, value] of this.entries) {
      if (this.entries.size <= this.opts.maxEntries && this.bytes <= this.opts.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= value.bytes;
    }
    return { stored: true, bytes };
  }

  get size(): number {
    return this.entries.size;
  }
}
