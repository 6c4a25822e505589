/**
 * Post-response work (budget settlements, cache writes, log records) tracked so the owner can wait for all of it:
 * the Lambda adapter before the invocation ends, the local runtime before it shuts down. Failures go to `onError`.
 */
export interface BackgroundWork {
  readonly run: (work: Promise<unknown>) => void;
  /** Resolves once nothing is pending, including work started while waiting. */
  drain(): Promise<void>;
}

export function trackBackgroundWork(onError: (err: unknown) => void): BackgroundWork {
  const pending = new Set<Promise<unknown>>();
  return {
    run(work: Promise<unknown>): void {
      const tracked = work.catch(onError).finally(() => pending.delete(tracked));
      pending.add(tracked);
    },
    async drain(): Promise<void> {
      while (pending.size) await Promise.all(pending);
    },
  };
}
