import { Readable } from "node:stream";
import { type ErrorBody, renderError } from "../core/errors";
import type { CoreResponse } from "../http/types";
import type { ProviderTarget } from "../providers/types";
import type { RouteOutcome } from "../routing/executor";
import type { CachedAttemptResult } from "./attempt";
import type { RequestRun } from "./request-run";
import { routingHeaders } from "./routing-options";

export const SSE_HEADERS = Object.freeze({
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  "x-accel-buffering": "no",
});

/** The plan's answer as the client gets it, with Portkey's response headers; ends the request unless it streams. */
export function answer(
  run: RequestRun,
  result: CachedAttemptResult,
  outcome: RouteOutcome<CachedAttemptResult>,
): CoreResponse {
  // Object.assign and plain stores, not a spread followed by new keys: on Node 20 (V8 11) that literal takes a slow
  // path, ~3.5 us here against 0.1 (docs/performance.md)
  const responseHeaders: Record<string, string> = Object.assign({}, result.headers);
  responseHeaders["x-portkey-trace-id"] = run.traceId;
  responseHeaders["x-portkey-provider"] = (run.target as ProviderTarget).provider;
  responseHeaders["x-portkey-cache-status"] = run.cacheStatus ?? "DISABLED";
  Object.assign(responseHeaders, routingHeaders(outcome, run.fromConfig));
  if (result.kind === "stream") {
    // the request ends when the stream does (the leaf runner's onStreamEnd)
    return { status: result.status, headers: Object.assign(responseHeaders, SSE_HEADERS), body: result.stream };
  }
  if (result.kind === "bytes") {
    // passed through as it comes; the request ends when the body does (the leaf runner's onBytesEnd)
    return { status: result.status, headers: responseHeaders, body: result.stream };
  }
  if (result.kind === "cached-stream") {
    run.finish({ status: 200, modelServed: result.model, responseBody: result.events.join("") });
    return { status: 200, headers: Object.assign(responseHeaders, SSE_HEADERS), body: Readable.from(result.events) };
  }
  run.finish({
    status: result.status,
    usage: result.response.usage,
    modelServed: result.response.model,
    responseBody: result.response.body,
  });
  return {
    status: result.status,
    headers: { "content-type": result.response.contentType, ...responseHeaders },
    body: result.response.body,
  };
}

/**
 * Any error, rendered in OpenAI's shape or the shape of the row's API (Anthropic's on /v1/messages; internals
 * never leak); the log keeps OpenAI's shape. Ends the request.
 */
export function fail(run: RequestRun, err: unknown): CoreResponse {
  const logged = renderError(err);
  const rendered = run.route?.api ? renderError(err, run.route.api) : logged;
  if (!run.traceId) run.traceId = run.headers?.traceId ?? "";
  const clientAborted = run.req.signal.aborted;
  run.finish({
    status: clientAborted ? 499 : rendered.status,
    error: JSON.parse(logged.body) as ErrorBody,
    clientAborted,
  });
  const out: Record<string, string> = { ...rendered.headers };
  if (run.traceId) out["x-portkey-trace-id"] = run.traceId;
  if (run.outcome) Object.assign(out, routingHeaders(run.outcome, run.fromConfig));
  if (run.target) out["x-portkey-provider"] = run.target.provider;
  return { status: rendered.status, headers: out, body: rendered.body };
}
