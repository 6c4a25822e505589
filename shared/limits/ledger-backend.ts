/**
 * Port under the usage ledger: single-item conditional operations on ONE budget counter (one owner, one limit,
 * one period). Every operation is one atomic write, so the DynamoDB adapter needs no transactions (dynalite has
 * none). A counter holds `used = spent + reserved` (kept as its own attribute because a DynamoDB condition cannot
 * add two attributes), `spent`, `reserved` and `pending`: the in-flight reservations by request id, which make
 * settle/release idempotent and let an abandoned reservation be reclaimed after its lease expires.
 */
export interface CounterKey {
  readonly pk: string;
  readonly sk: string;
}

export interface PendingLease {
  /** Reserved amount in ledger units (micro-dollars or tokens). */
  readonly amount: number;
  /** After this instant the reservation is considered abandoned and may be reclaimed. */
  readonly expiresAtMs: number;
}

export interface CounterState {
  readonly used: number;
  readonly spent: number;
  readonly reserved: number;
  readonly pending: ReadonlyMap<string, PendingLease>;
}

/** Written with the first reservation of a period so the item is self-describing for the admin API and TTL. */
export interface CounterMeta {
  readonly unit: "cost" | "tokens";
  /** The limit in ledger units at the time of the write (informational; the condition uses the caller's). */
  readonly limit: number;
  readonly periodStartMs: number;
  readonly periodEndMs: number | undefined;
  /** TTL (epoch seconds) of the whole item; undefined keeps it forever. */
  readonly expiresAtSec: number | undefined;
  readonly gsi1pk: string;
  readonly gsi1sk: string;
}

/** `duplicate`: the request id already holds a reservation on this counter (a retried reserve). */
export type ReserveOutcome = "reserved" | "duplicate" | "exhausted";

export interface SettleWrite {
  /** False when the request id holds no reservation here (already settled, released or reclaimed). */
  readonly applied: boolean;
  /** `spent` after the write (or as read, when not applied). */
  readonly spent: number;
}

/** One reservation on one counter: `amount` under `limit` (ledger units), held by `requestId` until `lease` ends. */
export interface Reservation {
  readonly key: CounterKey;
  readonly requestId: string;
  readonly amount: number;
  readonly limit: number;
  readonly lease: PendingLease;
  /** Written with the first reservation of a period. */
  readonly meta: CounterMeta;
}

export interface LedgerBackend {
  /** Adds `amount` to `used`/`reserved` and records the lease, only if `used + amount <= limit`. */
  tryReserve(reservation: Reservation): Promise<ReserveOutcome>;
  /** Moves the lease to `spent` with the real amount, only if the lease of exactly `reserved` is still pending. */
  settle(key: CounterKey, requestId: string, reserved: number, actual: number): Promise<SettleWrite>;
  /** Drops the lease and gives its amount back, only if it is still pending. */
  release(key: CounterKey, requestId: string, reserved: number): Promise<boolean>;
  /** Like release, but only if the lease still carries `expiresAtMs` (so a live lease is never reclaimed). */
  reclaim(key: CounterKey, requestId: string, lease: PendingLease): Promise<boolean>;
  /** Strongly consistent read; undefined when the counter was never written. */
  read(key: CounterKey): Promise<CounterState | undefined>;
}
