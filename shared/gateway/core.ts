import {
  BadRequestError,
  type ErrorBody,
  GatewayError,
  MethodNotAllowedError,
  NotFoundError,
  renderError,
} from "../core/errors";
import type { HostGuard } from "../http/host-guard";
import type { CoreHandler, CoreRequest, CoreResponse } from "../http/types";
import type { UpstreamTransport } from "../http/upstream";
import { readProviderOptions } from "../providers/provider-options";
import type { ProviderRegistry } from "../providers/registry";
import type { ProviderTarget, TransformContext } from "../providers/types";
import { type AttemptResult, runAttempt, type StreamAttempt } from "./attempt";
import { DATA_PLANE_ROUTES, type EndpointRoute } from "./endpoints";
import type { AttemptSummary, RequestObserver, RequestSummary } from "./observer";
import { parseJsonObject } from "./parse-body";
import { type PortkeyHeaders, readPortkeyHeaders } from "./portkey-headers";

export interface GatewayDeps {
  readonly providers: ProviderRegistry;
  readonly transport: UpstreamTransport;
  readonly hostGuard: HostGuard;
  readonly observer?: RequestObserver;
  /** Milliseconds without a streamed chunk before a stream is failed with an SSE error event. */
  readonly streamIdleTimeoutMs: number;
}

const SSE_HEADERS = Object.freeze({
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  "x-accel-buffering": "no",
});

/** The data plane: OpenAI-compatible endpoints in, one provider call out (routing configs build on this). */
export function createGatewayCore(deps: GatewayDeps): CoreHandler {
  const observer = deps.observer;

  return async function handleGatewayRequest(req: CoreRequest): Promise<CoreResponse> {
    const startedAt = Date.now();
    const started = performance.now();
    const attempts: AttemptSummary[] = [];
    let traceId = req.headers["x-portkey-trace-id"] ?? "";
    let route: EndpointRoute | undefined;
    let target: ProviderTarget | undefined;
    let body: Record<string, unknown> = {};
    let headers: PortkeyHeaders | undefined;

    function summary(fields: Partial<RequestSummary> & Pick<RequestSummary, "status">): RequestSummary {
      return {
        traceId,
        startedAt,
        endpoint: route?.endpoint ?? "unknown",
        provider: target?.provider,
        modelRequested: typeof body.model === "string" ? body.model : undefined,
        stream: body.stream === true,
        attempts,
        latencyMs: performance.now() - started,
        metadata: headers?.metadata ?? {},
        clientAborted: false,
        requestBody: req.body,
        ...fields,
      };
    }

    try {
      if (req.path === "/health" && req.method === "GET") {
        return { status: 200, headers: { "content-type": "application/json" }, body: '{"status":"ok"}' };
      }
      route = DATA_PLANE_ROUTES.get(req.path);
      if (!route) throw new NotFoundError(`No route for ${req.method} ${req.path}.`, { code: "unknown_route" });
      if (route.method !== req.method) throw new MethodNotAllowedError(req.method, req.path);
      headers = readPortkeyHeaders(req.headers);
      traceId = headers.traceId;
      if (route.json) body = parseJsonObject(req.body, req.headers["content-type"]);

      target = resolveTarget(headers, deps.hostGuard, req.headers);
      const adapter = deps.providers.get(target.provider);
      if (!adapter.endpoints.has(route.endpoint)) {
        throw new BadRequestError(`Provider ${adapter.id} does not support ${req.path}.`, {
          code: "unsupported_endpoint",
        });
      }
      const ctx: TransformContext = {
        endpoint: route.endpoint,
        target,
        body,
        rawBody: req.body,
        contentType: req.headers["content-type"],
        bodyChanged: false,
      };
      const attemptStart = performance.now();
      let result: AttemptResult;
      try {
        result = await runAttempt({
          adapter,
          ctx,
          transport: deps.transport,
          clientSignal: req.signal,
          timeoutMs: headers.requestTimeoutMs,
          streamIdleTimeoutMs: deps.streamIdleTimeoutMs,
          onStreamEnd: (end, attempt) => {
            observer?.finish(
              summary({
                status: end.reason === "complete" ? attempt.status : end.reason === "client_abort" ? 499 : 502,
                error: end.error,
                usage: attempt.translator.usage,
                modelServed: attempt.translator.model,
                ttftMs: attempt.ttftMs,
                clientAborted: end.reason === "client_abort",
              }),
            );
          },
        });
      } catch (err) {
        attempts.push(attemptFailure(target.provider, err, performance.now() - attemptStart));
        throw err;
      }
      attempts.push({ provider: target.provider, status: result.status, latencyMs: performance.now() - attemptStart });
      const responseHeaders = {
        ...result.headers,
        "x-portkey-trace-id": traceId,
        "x-portkey-provider": target.provider,
        "x-portkey-retry-attempt-count": "0",
      };
      if (result.kind === "stream") return streamResponse(result, responseHeaders);
      observer?.finish(
        summary({
          status: result.status,
          usage: result.response.usage,
          modelServed: result.response.model,
          responseBody: result.response.body,
        }),
      );
      return {
        status: result.status,
        headers: { "content-type": result.response.contentType, ...responseHeaders },
        body: result.response.body,
      };
    } catch (err) {
      const rendered = renderError(err);
      if (!traceId) traceId = headers?.traceId ?? "";
      observer?.finish(summary({ status: rendered.status, error: JSON.parse(rendered.body) as ErrorBody }));
      const out: Record<string, string> = { ...rendered.headers };
      if (traceId) out["x-portkey-trace-id"] = traceId;
      if (target) out["x-portkey-provider"] = target.provider;
      return { status: rendered.status, headers: out, body: rendered.body };
    }
  };
}

function streamResponse(result: StreamAttempt, headers: Record<string, string>): CoreResponse {
  return { status: result.status, headers: { ...headers, ...SSE_HEADERS }, body: result.stream };
}

function attemptFailure(provider: string, err: unknown, latencyMs: number): AttemptSummary {
  if (err instanceof GatewayError) {
    return { provider, status: err.statusCode, latencyMs, error: err.code ?? err.errorType };
  }
  return { provider, status: 500, latencyMs, error: "internal_error" };
}

/** The target named by headers: `x-portkey-provider`, the Bearer key, `x-portkey-custom-host`. */
function resolveTarget(
  headers: PortkeyHeaders,
  guard: HostGuard,
  raw: Readonly<Record<string, string>>,
): ProviderTarget {
  if (!headers.provider) {
    throw new BadRequestError(
      "No provider: send x-portkey-provider (with the provider key as Authorization: Bearer), x-portkey-virtual-key, or x-portkey-config.",
      { param: "x-portkey-provider", code: "missing_provider" },
    );
  }
  if (headers.customHost) guard.checkUrl(headers.customHost);
  return {
    provider: headers.provider,
    apiKey: headers.bearer,
    customHost: headers.customHost,
    forwardHeaders: headers.forwardHeaders,
    options: readProviderOptions(raw),
  };
}
