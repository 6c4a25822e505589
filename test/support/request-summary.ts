import type { RequestSummary } from "../../shared/logging/request-summary";

/**
 * A finished request as the gateway core summarises it (what the log observer and sinks receive): a plain 200
 * chat answer, no attempts, no metadata, bodies not logged; a test names the fields it looks at.
 */
export function requestSummary(fields: Partial<RequestSummary> = {}): RequestSummary {
  return {
    traceId: "t",
    startedAt: Date.now(),
    method: "POST",
    endpoint: "chat",
    stream: false,
    status: 200,
    attempts: [],
    latencyMs: 1,
    metadata: {},
    clientAborted: false,
    logBodies: false,
    ...fields,
  };
}
