import type { RequestObserver, RequestSummary } from "../../logging/request-summary";
import type { RequestEnd, RequestRun, RequestStep } from "../request-run";

/**
 * Hands exactly one summary per client request to the observer (the log record, metrics), after the answer
 * (ADR 0008): the summary is built once the response has been written, and when a budget applied it waits for
 * the settle so the record carries its outcome. Requests answered before this step (prompt renders) are not logged.
 */
export function createLogStep(observer: RequestObserver, background: (work: Promise<unknown>) => void): RequestStep {
  const deferred = deferredObserver(observer, background);
  return {
    name: "log",
    finish(run: RequestRun, end: RequestEnd): void {
      const summary = run.summary(end);
      const budget = run.budget;
      if (!budget) {
        deferred.finish(summary);
        return;
      }
      background(budget.then((outcome) => deferred.finish({ ...summary, budget: outcome })));
    },
  };
}

/** The observer called on a later turn of the event loop, tracked as background work. */
function deferredObserver(inner: RequestObserver, background: (work: Promise<unknown>) => void): RequestObserver {
  return {
    finish(summary: RequestSummary): void {
      background(
        new Promise<void>((resolve) => {
          setImmediate(() => {
            try {
              inner.finish(summary);
            } finally {
              resolve();
            }
          });
        }),
      );
    },
  };
}
