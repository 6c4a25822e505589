import type { RequestObserver, RequestSummary } from "../logging/request-summary";
import type { OtelSdk } from "./otel-sdk";
import type { TelemetrySettings } from "./otel-settings";

/** Summaries kept while the SDK loads (the first requests of a process); beyond this they are dropped. */
const MAX_WAITING = 10_000;

let sdkImported = false;

/** Whether this process has imported the OpenTelemetry SDK (it never does with OpenTelemetry off). */
export function otelSdkImported(): boolean {
  return sdkImported;
}

/** OpenTelemetry for one process: an observer of finished requests, and the export's ends. */
export interface Telemetry {
  /** Turns each request summary into spans and metric points, after the answer (never on the request's path). */
  readonly observer: RequestObserver;
  /** Requests get span ids, and upstreams `traceparent` with our span as parent. */
  readonly tracing: boolean;
  /** Exports what is pending (spans; metrics once their interval has passed), waiting at most `timeoutMs`. */
  flush(timeoutMs: number): Promise<void>;
  /** Prometheus text exposition of the request metrics; undefined unless `OTEL_METRICS_EXPORTER` names prometheus. */
  readonly scrape?: () => Promise<string>;
  /** Exports everything and stops (local runtime shutdown). */
  shutdown(): Promise<void>;
}

/** Resolves after `ms` without keeping the process alive. */
function bounded(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  return Promise.race([work.then(() => undefined), timeout]).finally(() => clearTimeout(timer));
}

/**
 * The OpenTelemetry SDK is imported on first use (ADR 0035): a process with OpenTelemetry off never loads it, and
 * one with it on loads it after its first answer. Summaries that finish meanwhile wait (bounded) and are recorded
 * once it is there. Failures go to `onError`; the observer never throws.
 */
export function createTelemetry(settings: TelemetrySettings, onError: (err: unknown) => void): Telemetry {
  let sdk: OtelSdk | undefined;
  let loading: Promise<OtelSdk | undefined> | undefined;
  let waiting: RequestSummary[] = [];

  function record(target: OtelSdk, summary: RequestSummary): void {
    try {
      target.record(summary);
    } catch (err) {
      onError(err);
    }
  }

  function load(): Promise<OtelSdk | undefined> {
    loading ??= import("./otel-sdk")
      .then(({ startOtelSdk }) => {
        sdkImported = true;
        return startOtelSdk(settings);
      })
      .then(
        (started) => {
          sdk = started;
          const queued = waiting;
          waiting = [];
          for (const summary of queued) record(started, summary);
          return started;
        },
        (err: unknown) => {
          waiting = [];
          onError(err);
          return undefined;
        },
      );
    return loading;
  }

  return {
    tracing: settings.traces,
    observer: {
      finish(summary: RequestSummary): void {
        if (sdk) {
          record(sdk, summary);
          return;
        }
        if (waiting.length < MAX_WAITING) waiting.push(summary);
        load().catch(onError);
      },
    },
    async flush(timeoutMs: number): Promise<void> {
      if (!loading) return;
      await bounded(
        load().then((started) => started?.flush()),
        timeoutMs,
      ).catch(onError);
    },
    scrape: settings.prometheus
      ? async () => {
          const started = await load();
          return started ? started.scrape() : "";
        }
      : undefined,
    async shutdown(): Promise<void> {
      if (!loading) return;
      await bounded(
        load().then((started) => started?.shutdown()),
        10_000,
      ).catch(onError);
    },
  };
}
