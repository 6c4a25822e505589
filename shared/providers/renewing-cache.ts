/** A credential a provider obtained by an exchange (an access token, assumed-role credentials) and how long it lives. */
export interface Issued<T> {
  readonly value: T;
  /** Epoch ms when the exchange started (its lifetime counts from there). */
  readonly issuedAt: number;
  readonly lifetimeMs: number;
}

export interface RenewingCacheOptions {
  readonly maxEntries: number;
  /** Renew this long before expiry (at most half the lifetime). */
  readonly renewMarginMs: number;
  readonly now: () => number;
}

/**
 * Exchanged credentials for one process: served until shortly before they expire, with one exchange in flight per
 * key (every caller waiting for it shares its result; a failed exchange is not kept). Bounded: past `maxEntries`
 * the cache starts over.
 */
export class RenewingCache<T> {
  private readonly entries = new Map<string, { readonly value: T; readonly renewAt: number }>();
  private readonly inFlight = new Map<string, Promise<T>>();

  constructor(private readonly options: RenewingCacheOptions) {}

  get(key: string, exchange: () => Promise<Issued<T>>): Promise<T> {
    const cached = this.entries.get(key);
    if (cached && this.options.now() < cached.renewAt) return Promise.resolve(cached.value);
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = exchange()
        .then((issued) => {
          const margin = Math.min(this.options.renewMarginMs, issued.lifetimeMs / 2);
          if (this.entries.size >= this.options.maxEntries) this.entries.clear();
          this.entries.set(key, { value: issued.value, renewAt: issued.issuedAt + issued.lifetimeMs - margin });
          return issued.value;
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }
}
