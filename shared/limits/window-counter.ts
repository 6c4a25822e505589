/**
 * Port under the rate limiter: counters of one fixed window each. Single-item conditional writes only.
 * Keys: pk = RL#<workspace>#<kind>#<id>, sk = <requests|tokens>#<rpm|rph|rpd>#<window start, epoch s>.
 */
export interface WindowKey {
  readonly pk: string;
  readonly sk: string;
}

export interface WindowCounter {
  /** Adds `amount` only if the counter is at most `maxBefore` now. Returns the count after (or as found). */
  tryAdd(
    key: WindowKey,
    amount: number,
    maxBefore: number,
    expiresAtSec: number,
  ): Promise<{ ok: boolean; count: number }>;
  /** Unconditional add (token usage after an answer, undo of a request counted for a refused request). */
  add(key: WindowKey, amount: number, expiresAtSec: number): Promise<void>;
  /** Current count; 0 when absent or past `expiresAt`. */
  read(key: WindowKey): Promise<number>;
}

/** In-process window counters for unit tests and the bench. */
export class MemoryWindowCounter implements WindowCounter {
  private readonly counts = new Map<string, { n: number; expiresAtSec: number }>();

  constructor(private readonly now: () => number) {}

  async tryAdd(key: WindowKey, amount: number, maxBefore: number, expiresAtSec: number) {
    const current = this.current(key);
    if (current > maxBefore) return { ok: false, count: current };
    this.counts.set(`${key.pk}|${key.sk}`, { n: current + amount, expiresAtSec });
    return { ok: true, count: current + amount };
  }

  async add(key: WindowKey, amount: number, expiresAtSec: number): Promise<void> {
    this.counts.set(`${key.pk}|${key.sk}`, { n: this.current(key) + amount, expiresAtSec });
  }

  async read(key: WindowKey): Promise<number> {
    return this.current(key);
  }

  private current(key: WindowKey): number {
    const entry = this.counts.get(`${key.pk}|${key.sk}`);
    if (!entry || entry.expiresAtSec * 1000 <= this.now()) return 0;
    return entry.n;
  }
}
