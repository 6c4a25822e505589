import type { CacheStatus } from "../logging/record";
import type { RequestLogger } from "../logging/record-builder";
import type { RequestObserver, RequestSummary } from "./observer";

const LOG_CACHE_STATUS: Readonly<Record<NonNullable<RequestSummary["cacheStatus"]>, CacheStatus>> = {
  HIT: "hit",
  "SEMANTIC HIT": "semantic_hit",
  MISS: "miss",
  "SEMANTIC MISS": "semantic_miss",
  REFRESH: "refresh",
  DISABLED: "disabled",
};

const SERVED_FROM_CACHE: ReadonlySet<RequestSummary["cacheStatus"]> = new Set(["HIT", "SEMANTIC HIT"]);

/**
 * Turns the core's one-per-request summary into one log record (shared/logging): the record is built after the
 * fact from the summary's own timings, so the hot path pays for nothing until the request is over.
 */
export function createLoggingObserver(logger: RequestLogger, options: { onRecord?: () => void } = {}): RequestObserver {
  return {
    finish(summary: RequestSummary): void {
      const log = logger.start({
        traceId: summary.traceId,
        workspaceId: summary.workspaceId ?? "anonymous",
        apiKeyId: summary.apiKeyId ?? null,
        method: "POST",
        endpoint: summary.endpoint,
        logBodies: summary.logBodies,
        modelRequested: summary.modelRequested ?? null,
        stream: summary.stream,
        // OpenAI's `user` field, else Portkey's `_user` metadata key.
        user: summary.user ?? summary.metadata._user ?? null,
        metadata: summary.metadata,
        configId: summary.configId ?? null,
        virtualKey: summary.virtualKey ?? null,
        requestBody: summary.requestBody ?? null,
        startedAtMs: summary.startedAt,
        startedMono: performance.now() - summary.latencyMs,
      });
      if (summary.provider) log.setTarget({ provider: summary.provider, model: summary.modelServed ?? null });
      for (const a of summary.attempts) {
        log.addAttempt({
          provider: a.provider,
          model: null,
          status: a.status,
          latency_ms: a.latencyMs,
          error: a.error ?? null,
          target: null,
        });
      }
      for (const g of summary.guardrails ?? []) log.addGuardrail(g);
      const last = summary.attempts.at(-1);
      if (last) log.setUpstreamLatency(last.latencyMs);
      if (summary.usage) log.setUsage(summary.usage);
      if (summary.ttftMs !== undefined) log.setTtft(summary.ttftMs);
      if (summary.error) log.fail(summary.error.error.type, summary.error.error.message);
      if (summary.clientAborted) log.clientDisconnected();
      // A request that reached a target without a cache config was told `x-portkey-cache-status: DISABLED`.
      const cacheStatus = summary.cacheStatus ?? (summary.provider ? "DISABLED" : undefined);
      if (cacheStatus) log.setCacheStatus(LOG_CACHE_STATUS[cacheStatus]);
      // An answer from the cache (or shared with an identical concurrent request) cost nothing upstream: 0, not null.
      if (SERVED_FROM_CACHE.has(summary.cacheStatus) || summary.sharedAnswer) log.setCost(0);
      if (summary.budgetReservedUsd !== undefined) log.setBudgetReserved(summary.budgetReservedUsd);
      for (const secret of summary.secrets ?? []) log.addKnownSecret(secret);
      if (summary.responseBody !== undefined) log.captureResponse(summary.responseBody);
      log.end(summary.status, {
        retryCount: summary.retryCount,
        lastUsedOptionIndex: summary.lastUsedOptionIndex ?? null,
      });
      options.onRecord?.();
    },
  };
}
