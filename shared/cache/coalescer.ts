import type { AnySignal } from "../http/abort-source";

/**
 * Coalesces concurrent identical cache misses inside one process: the first caller for a key (the leader) runs
 * the upstream call; callers arriving while it runs (followers) wait for the leader's result instead of calling
 * upstream themselves.
 *
 * When the leader fails, or its answer is not shareable (`undefined`: e.g. an error response or a stream that was
 * cut), followers do NOT receive the leader's error: each falls through to its own call. One client's failure
 * (its timeout, its abort, a transient 429) must not fail other clients, and the fall-through costs no more than
 * not coalescing at all. A follower whose own request is aborted stops waiting at once.
 */
export type CoalescedRole = "leader" | "follower" | "fallthrough";

export interface Coalesced<T> {
  readonly value: T;
  readonly role: CoalescedRole;
}

export class Coalescer<V> {
  private readonly inFlight = new Map<string, Promise<V | undefined>>();

  /** Number of keys with a leader currently running. */
  get size(): number {
    return this.inFlight.size;
  }

  /**
   * @param share turns the leader's result into the value followers get (undefined = not shareable).
   */
  async run<T>(
    key: string,
    call: () => Promise<T>,
    share: (result: T) => V | undefined,
    fromShared: (value: V) => T,
    signal?: AnySignal,
  ): Promise<Coalesced<T>> {
    const pending = this.inFlight.get(key);
    if (pending) {
      const shared = await abortable(pending, signal);
      if (shared !== undefined) return { value: fromShared(shared), role: "follower" };
      return { value: await call(), role: "fallthrough" };
    }
    let resolveShared: (v: V | undefined) => void = () => undefined;
    const sharedPromise = new Promise<V | undefined>((resolve) => {
      resolveShared = resolve;
    });
    this.inFlight.set(key, sharedPromise);
    try {
      const value = await call();
      resolveShared(safeShare(share, value));
      return { value, role: "leader" };
    } catch (err) {
      resolveShared(undefined);
      throw err;
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** For a leader whose shareable value is only known later (a stream): see `lead`. */
  lead(key: string): { settle(value: V | undefined): void } | undefined {
    if (this.inFlight.has(key)) return undefined;
    let resolveShared: (v: V | undefined) => void = () => undefined;
    this.inFlight.set(
      key,
      new Promise<V | undefined>((resolve) => {
        resolveShared = resolve;
      }),
    );
    let settled = false;
    return {
      settle: (value: V | undefined) => {
        if (settled) return;
        settled = true;
        this.inFlight.delete(key);
        resolveShared(value);
      },
    };
  }

  /** Waits for the running leader of `key`, if any: its shareable value, or undefined (run your own call). */
  async follow(key: string, signal?: AnySignal): Promise<V | undefined> {
    const pending = this.inFlight.get(key);
    return pending ? abortable(pending, signal) : undefined;
  }
}

function safeShare<T, V>(share: (result: T) => V | undefined, value: T): V | undefined {
  try {
    return share(value);
  } catch {
    return undefined;
  }
}

function abortable<V>(promise: Promise<V>, signal: AnySignal | undefined): Promise<V> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<V>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}
