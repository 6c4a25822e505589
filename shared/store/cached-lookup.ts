/**
 * How long a lookup keeps what it read. The numbers are the control plane's documented propagation bounds
 * (docs/control-plane.md, "Caches and revocation latency"; ADR 0005): a change made by another process is seen
 * within `hitTtlMs`, an object created after a miss within `missTtlMs`.
 */
export interface LookupPolicy {
  /** A found object is served from memory this long. */
  readonly hitTtlMs: number;
  /** "No such object" (or an unusable one, see `isMiss`) is remembered this long: bounds reads under bad names. */
  readonly missTtlMs: number;
  /** Entries kept at most; the oldest insertions are evicted first. */
  readonly maxEntries: number;
}

/** The gateway's cached lookups of workspace objects, declared once (the docs table lists the same numbers). */
export const LOOKUP_POLICIES = {
  /** Decrypted virtual keys (one KMS decrypt per load). */
  virtualKey: { hitTtlMs: 60_000, missTtlMs: 5_000, maxEntries: 5_000 },
  /** A workspace's active virtual keys (slug and provider), for the model catalog (`GET /v1/models`). */
  virtualKeyList: { hitTtlMs: 60_000, missTtlMs: 5_000, maxEntries: 2_000 },
  /** Saved configs (the parsed JSON of the head). */
  config: { hitTtlMs: 60_000, missTtlMs: 5_000, maxEntries: 2_000 },
  /** Saved guardrails named by configs (the parsed checks and actions of the head). */
  guardrail: { hitTtlMs: 60_000, missTtlMs: 5_000, maxEntries: 2_000 },
  /** Prompt heads: which version `<id>` and `<id>@latest` run. */
  prompt: { hitTtlMs: 60_000, missTtlMs: 5_000, maxEntries: 2_000 },
  /** Compiled prompt versions: immutable, so kept long (a miss is a gap in the history). */
  promptVersion: { hitTtlMs: 3_600_000, missTtlMs: 5_000, maxEntries: 2_000 },
} as const satisfies Record<string, LookupPolicy>;

export interface CachedLookupOptions<K, V> extends LookupPolicy {
  /** Reads one object of a workspace; `undefined` means there is none. A rejected read is not cached. */
  readonly load: (workspaceId: string, key: K) => Promise<V | undefined>;
  /** The key's identity within a workspace; defaults to `String(key)`. */
  readonly keyOf?: (key: K) => string;
  /** Found values that count as misses for the TTL (e.g. a disabled key: re-enabling it shows within `missTtlMs`). */
  readonly isMiss?: (value: V) => boolean;
  /** Epoch ms clock; defaults to `Date.now`. */
  readonly now?: () => number;
}

interface Entry<V> {
  readonly value: V | undefined;
  readonly expiresAtMs: number;
}

/**
 * A read-through cache of workspace objects (virtual keys, configs, prompts): every key is scoped by its workspace,
 * hits and misses live for their own TTLs, concurrent loads of one key share one read, the size is bounded, and
 * `forget` drops an entry at once - including a load still in flight, whose result is then not cached, so the
 * process that made a change never serves what it read before.
 */
export class CachedLookup<K, V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly inFlight = new Map<string, Promise<V | undefined>>();
  private readonly now: () => number;
  private readonly keyOf: (key: K) => string;

  constructor(private readonly options: CachedLookupOptions<K, V>) {
    this.now = options.now ?? Date.now;
    this.keyOf = options.keyOf ?? String;
  }

  /** The object, from memory while fresh, else read (once for all concurrent callers). */
  get(workspaceId: string, key: K): Promise<V | undefined> {
    const id = scoped(workspaceId, this.keyOf(key));
    const entry = this.entries.get(id);
    if (entry !== undefined) {
      if (entry.expiresAtMs > this.now()) return Promise.resolve(entry.value);
      this.entries.delete(id);
    }
    return this.inFlight.get(id) ?? this.load(id, workspaceId, key);
  }

  /** Drops one entry (and an in-flight read of it): the next `get` reads again. */
  forget(workspaceId: string, key: K): void {
    const id = scoped(workspaceId, this.keyOf(key));
    this.entries.delete(id);
    this.inFlight.delete(id);
  }

  /** Drops every entry of a workspace whose key (`keyOf`) matches. */
  forgetWhere(workspaceId: string, matches: (key: string) => boolean): void {
    const prefix = scoped(workspaceId, "");
    for (const map of [this.entries, this.inFlight]) {
      for (const id of map.keys()) if (id.startsWith(prefix) && matches(id.slice(prefix.length))) map.delete(id);
    }
  }

  private load(id: string, workspaceId: string, key: K): Promise<V | undefined> {
    const loading = this.options.load(workspaceId, key).then(
      (value) => {
        // Not ours any more: `forget` ran while we read, so what we read may predate the change.
        if (this.inFlight.get(id) !== loading) return value;
        this.inFlight.delete(id);
        this.remember(id, value);
        return value;
      },
      (err: unknown) => {
        if (this.inFlight.get(id) === loading) this.inFlight.delete(id);
        throw err;
      },
    );
    this.inFlight.set(id, loading);
    return loading;
  }

  private remember(id: string, value: V | undefined): void {
    const miss = value === undefined || (this.options.isMiss?.(value) ?? false);
    const ttlMs = miss ? this.options.missTtlMs : this.options.hitTtlMs;
    if (ttlMs <= 0) return;
    this.entries.delete(id);
    this.entries.set(id, { value, expiresAtMs: this.now() + ttlMs });
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }
}

/** Workspace ids never contain NUL, so no two (workspace, key) pairs share an id. */
function scoped(workspaceId: string, key: string): string {
  return `${workspaceId}\u0000${key}`;
}
