import type {
  CounterKey,
  CounterMeta,
  CounterState,
  LedgerBackend,
  PendingLease,
  Reservation,
  ReserveOutcome,
  SettleWrite,
} from "./ledger-backend";

interface MutableCounter {
  used: number;
  spent: number;
  reserved: number;
  pending: Map<string, PendingLease>;
  meta: CounterMeta;
}

/** In-process ledger backend for unit tests and the bench. Same semantics as the DynamoDB adapter. */
export class MemoryLedgerBackend implements LedgerBackend {
  private readonly counters = new Map<string, MutableCounter>();

  async tryReserve({ key, requestId, amount, limit, lease, meta }: Reservation): Promise<ReserveOutcome> {
    const id = `${key.pk}|${key.sk}`;
    let c = this.counters.get(id);
    if (c?.pending.has(requestId)) return "duplicate";
    if ((c?.used ?? 0) + amount > limit) return "exhausted";
    if (!c) {
      c = { used: 0, spent: 0, reserved: 0, pending: new Map(), meta };
      this.counters.set(id, c);
    }
    c.used += amount;
    c.reserved += amount;
    c.pending.set(requestId, lease);
    return "reserved";
  }

  async settle(key: CounterKey, requestId: string, reserved: number, actual: number): Promise<SettleWrite> {
    const c = this.counters.get(`${key.pk}|${key.sk}`);
    const lease = c?.pending.get(requestId);
    if (!c || !lease || lease.amount !== reserved) return { applied: false, spent: c?.spent ?? 0 };
    c.pending.delete(requestId);
    c.reserved -= reserved;
    c.spent += actual;
    c.used += actual - reserved;
    return { applied: true, spent: c.spent };
  }

  async release(key: CounterKey, requestId: string, reserved: number): Promise<boolean> {
    const c = this.counters.get(`${key.pk}|${key.sk}`);
    const lease = c?.pending.get(requestId);
    if (!c || !lease || lease.amount !== reserved) return false;
    c.pending.delete(requestId);
    c.reserved -= reserved;
    c.used -= reserved;
    return true;
  }

  async reclaim(key: CounterKey, requestId: string, lease: PendingLease): Promise<boolean> {
    const c = this.counters.get(`${key.pk}|${key.sk}`);
    const current = c?.pending.get(requestId);
    if (!c || !current || current.expiresAtMs !== lease.expiresAtMs) return false;
    return this.release(key, requestId, current.amount);
  }

  async read(key: CounterKey): Promise<CounterState | undefined> {
    const c = this.counters.get(`${key.pk}|${key.sk}`);
    if (!c) return undefined;
    return { used: c.used, spent: c.spent, reserved: c.reserved, pending: new Map(c.pending) };
  }
}
