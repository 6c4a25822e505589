import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import {
  BadRequestError,
  type ErrorBody,
  GatewayError,
  MethodNotAllowedError,
  NotFoundError,
  renderError,
} from "../core/errors";
import type { Authenticator, Principal } from "../core/principal";
import type { Guardrails } from "../guardrails/guardrails";
import type { HostGuard } from "../http/host-guard";
import type { CoreHandler, CoreRequest, CoreResponse } from "../http/types";
import type { UpstreamTransport } from "../http/upstream";
import { microsToUsd } from "../limits/pricing";
import type { Admission, BilledAttempt, RequestLimits } from "../limits/request-limits";
import { bodyLoggingEnabled } from "../logging/record-builder";
import type { ProviderRegistry } from "../providers/registry";
import type { ProviderTarget, TransformContext } from "../providers/types";
import { executePlan, type RouteOutcome } from "../routing/executor";
import { HEADER_ONLY_PLAN, type LeafNode } from "../routing/plan";
import { type ConfigSource, PlanResolver } from "../routing/plan-resolver";
import { runAttempt, type StreamAttempt } from "./attempt";
import {
  CACHEABLE_ENDPOINTS,
  type CacheDeps,
  type CachedAttemptResult,
  type CacheRequestState,
  runCached,
} from "./cache-step";
import { DATA_PLANE_ROUTES, type EndpointRoute } from "./endpoints";
import { targetForLeaf, type VirtualKeyResolver } from "./leaf-target";
import { budgetCandidates, limitOwners } from "./limit-owners";
import type { AttemptSummary, RequestObserver, RequestSummary } from "./observer";
import { parseJsonObject } from "./parse-body";
import { type PortkeyHeaders, readPortkeyHeaders } from "./portkey-headers";
import { DEFAULT_ROUTING_OPTIONS, type RoutingOptions, routingHeaders } from "./routing-options";
import {
  configSourceFor,
  headerTarget,
  splitVirtualKeyModel,
  type WorkspaceLookups,
  workspaceVirtualKeys,
} from "./workspace-resolution";

export interface GatewayDeps {
  readonly providers: ProviderRegistry;
  readonly transport: UpstreamTransport;
  readonly hostGuard: HostGuard;
  readonly observer?: RequestObserver;
  /** Milliseconds without a streamed chunk before a stream is failed with an SSE error event. */
  readonly streamIdleTimeoutMs: number;
  /**
   * Authenticates every request (gateway key with the `completions` scope). Absent only in tests and benches
   * that exercise routing alone; then requests run in the workspace "anonymous" without virtual keys.
   */
  readonly authenticator?: Authenticator;
  /** Virtual keys and saved configs of the caller's workspace (control plane). */
  readonly lookups?: WorkspaceLookups;
  /** Default for body logging (`LOG_BODIES`); `x-portkey-debug: false` turns it off per request. */
  readonly logBodies?: boolean;
  /** Budgets and rate limits (usage_limits / rate_limits of API keys and virtual keys). */
  readonly limits?: RequestLimits;
  /** Response cache (simple and semantic) with in-process coalescing of identical misses. */
  readonly cache?: CacheDeps;
  /** Guardrails (config `before_request_hooks` / `after_request_hooks`); absent: hooks in configs are not run. */
  readonly guardrails?: Guardrails;
  /**
   * Work that must finish before the invocation ends but not before the response (budget settlement, cache
   * writes). The Lambda adapter awaits it after the stream; default: run it, report failures to `onBackgroundError`.
   */
  readonly background?: (work: Promise<unknown>) => void;
  readonly onBackgroundError?: (err: unknown) => void;
  /** Saved configs without a control plane (tests); `lookups` provides them otherwise. */
  readonly configSource?: ConfigSource;
  /** Retry timing, randomness and plan cache size; see DEFAULT_ROUTING_OPTIONS. */
  readonly routing?: Partial<RoutingOptions>;
}

/** Stream bytes kept for the request log (the log caps bodies at 32 KiB; a little slack for redaction). */
const STREAM_LOG_LIMIT = 40 * 1024;

const SSE_HEADERS = Object.freeze({
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  "x-accel-buffering": "no",
});

/** The data plane: OpenAI-compatible endpoints in; a routing plan (config or headers) decides the upstream calls. */
export function createGatewayCore(deps: GatewayDeps): CoreHandler {
  const background =
    deps.background ??
    ((work: Promise<unknown>) => {
      work.catch((err: unknown) => deps.onBackgroundError?.(err));
    });
  // The request's summary (log record, metrics) is built after the response has been written, never before it.
  const observer = deps.observer ? deferred(deps.observer, background) : undefined;
  const routing: RoutingOptions = { ...DEFAULT_ROUTING_OPTIONS, ...deps.routing };
  const plans = new PlanResolver({
    configSource: deps.lookups ? configSourceFor(deps.lookups) : deps.configSource,
    capacity: routing.planCacheSize,
    checkPlan: (plan) => {
      for (const host of plan.customHosts) deps.hostGuard.checkUrl(host);
    },
  });

  return async function handleGatewayRequest(req: CoreRequest): Promise<CoreResponse> {
    const startedAt = Date.now();
    const started = performance.now();
    const attempts: AttemptSummary[] = [];
    let traceId = req.headers["x-portkey-trace-id"] ?? "";
    let route: EndpointRoute | undefined;
    let target: ProviderTarget | undefined;
    let body: Record<string, unknown> = {};
    let headers: PortkeyHeaders | undefined;
    let outcome: RouteOutcome<CachedAttemptResult> | undefined;
    let fromConfig = false;
    let principal: Principal | undefined;
    let virtualKeys: VirtualKeyResolver | undefined;
    let modelSlug: string | undefined;
    let modelRewritten = false;
    let configId: string | undefined;
    const logBodies = bodyLoggingEnabled(req.headers, deps.logBodies);
    let admission: Admission | undefined;
    let limitHeaders: Readonly<Record<string, string>> = {};
    const billed: BilledAttempt[] = [];
    const guardrails = deps.guardrails?.start(); // guardrails: per-request verdicts
    const cacheState: CacheRequestState = {
      status: undefined,
      shared: false,
      tap: undefined,
      onStreamComplete: undefined,
      background,
    };
    /** Settles the budget with what the attempts used, or gives the reservation back; once, after the answer. */
    function settleBudget(): void {
      const taken = admission;
      admission = undefined;
      if (!taken) return;
      background(billed.length ? taken.settle(billed) : taken.release());
    }
    const streamed: (Buffer | string)[] = [];
    let streamedBytes = 0;
    const captureStream = logBodies
      ? (chunk: Buffer | string) => {
          if (streamedBytes > STREAM_LOG_LIMIT) return;
          streamed.push(chunk);
          streamedBytes += chunk.length;
        }
      : undefined;

    function summary(fields: Partial<RequestSummary> & Pick<RequestSummary, "status">): RequestSummary {
      return {
        traceId,
        startedAt,
        endpoint: route?.endpoint ?? "unknown",
        workspaceId: principal?.workspaceId,
        apiKeyId: principal?.apiKeyId,
        configId,
        virtualKey: headers?.virtualKey ?? modelSlug ?? outcome?.leaf?.virtualKey,
        provider: target?.provider,
        modelRequested: typeof body.model === "string" ? body.model : undefined,
        stream: body.stream === true,
        attempts,
        latencyMs: performance.now() - started,
        metadata: headers?.metadata ?? {},
        clientAborted: false,
        logBodies,
        user: typeof body.user === "string" ? body.user : undefined,
        retryCount: outcome?.retryCount,
        lastUsedOptionIndex: fromConfig ? outcome?.leaf?.path : undefined,
        cacheStatus: cacheState.status,
        sharedAnswer: cacheState.shared || undefined,
        budgetReservedUsd: admission ? microsToUsd(admission.reservation.charge.costMicros) : undefined,
        requestBody: req.body,
        guardrails: guardrails?.records,
        ...fields,
      };
    }

    async function runLeaf(leaf: LeafNode): Promise<CachedAttemptResult> {
      const h = headers as PortkeyHeaders;
      const fromHeaders = () => headerTarget(h, req.headers, deps.hostGuard, virtualKeys, modelSlug);
      target =
        leaf.fromHeaders && !fromConfig
          ? await fromHeaders()
          : await targetForLeaf(leaf, h, req.headers, fromHeaders, virtualKeys);
      const attemptTarget = target;
      const adapter = deps.providers.get(attemptTarget.provider);
      if (!adapter.endpoints.has((route as EndpointRoute).endpoint)) {
        throw new BadRequestError(`Provider ${adapter.id} does not support ${req.path}.`, {
          code: "unsupported_endpoint",
        });
      }
      const overrides = leaf.overrideParams;
      const ctx: TransformContext = {
        endpoint: (route as EndpointRoute).endpoint,
        target: attemptTarget,
        body: overrides ? { ...body, ...overrides } : body,
        rawBody: req.body,
        contentType: req.headers["content-type"],
        bodyChanged: overrides !== undefined || modelRewritten,
      };
      const endpoint = (route as EndpointRoute).endpoint;
      const guard = guardrails?.before(leaf, endpoint, ctx.body); // guardrails: before-request hooks (446: no upstream call)
      const attemptStart = performance.now();
      const attempt = () =>
        runAttempt({
          adapter,
          ctx,
          transport: deps.transport,
          clientSignal: req.signal,
          timeoutMs: leaf.requestTimeoutMs ?? h.requestTimeoutMs,
          streamIdleTimeoutMs: deps.streamIdleTimeoutMs,
          onStreamOutput: (chunk) => {
            captureStream?.(chunk);
            cacheState.tap?.(chunk);
          },
          onStreamEnd: (end, attempt) => {
            const model = attempt.translator.model ?? String(ctx.body.model ?? "");
            billed.push({ provider: attemptTarget.provider, model, usage: attempt.translator.usage ?? "unknown" });
            if (end.reason === "complete" && !attempt.translator.error) cacheState.onStreamComplete?.();
            observer?.finish(
              summary({
                provider: attemptTarget.provider,
                status:
                  end.reason === "client_abort"
                    ? 499
                    : end.reason === "error" || attempt.translator.error
                      ? 502
                      : attempt.status,
                error: end.error ?? attempt.translator.error,
                usage: attempt.translator.usage,
                modelServed: attempt.translator.model,
                ttftMs: attempt.ttftMs,
                clientAborted: end.reason === "client_abort",
                responseBody: streamed.length ? streamed.join("") : undefined,
              }),
            );
            settleBudget();
          },
        });
      try {
        const cacheable = deps.cache && leaf.cache && CACHEABLE_ENDPOINTS.has(endpoint);
        const answered =
          cacheable && deps.cache && leaf.cache
            ? await runCached({
                deps: deps.cache,
                state: cacheState,
                settings: leaf.cache,
                key: {
                  workspaceId: principal?.workspaceId ?? "anonymous",
                  endpoint,
                  provider: attemptTarget.provider,
                  model: String(ctx.body.model ?? ""),
                  body: ctx.body,
                  namespace: h.cacheNamespace,
                },
                forceRefresh: h.cacheForceRefresh,
                stream: adapter.isStreaming(ctx),
                includeUsage:
                  (ctx.body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true,
                signal: req.signal,
                embedding: { providers: deps.providers, transport: deps.transport, virtualKeys, signal: req.signal },
                run: attempt,
              })
            : await attempt();
        const servedByCache = cacheState.status === "HIT" || cacheState.status === "SEMANTIC HIT" || cacheState.shared;
        if (answered.kind === "json" && !servedByCache) {
          const model = answered.response.model ?? String(ctx.body.model ?? "");
          billed.push({ provider: attemptTarget.provider, model, usage: answered.response.usage ?? "unknown" });
        }
        const result = guard ? guard.after(answered) : answered; // guardrails: after-request hooks (446, or 246 + hook_results)
        // A cache hit or a shared (coalesced) answer made no upstream call: it is not an attempt.
        if (!servedByCache) {
          attempts.push({
            provider: attemptTarget.provider,
            status: result.status,
            latencyMs: performance.now() - attemptStart,
          });
        }
        return result;
      } catch (err) {
        const latencyMs = performance.now() - attemptStart;
        attempts.push(
          req.signal.aborted
            ? { provider: attemptTarget.provider, status: 499, latencyMs, error: "client_abort" }
            : attemptFailure(attemptTarget.provider, err, latencyMs),
        );
        throw err;
      }
    }

    try {
      if (req.path === "/health" && req.method === "GET") {
        return { status: 200, headers: { "content-type": "application/json" }, body: '{"status":"ok"}' };
      }
      route = DATA_PLANE_ROUTES.get(req.path);
      if (!route) throw new NotFoundError(`No route for ${req.method} ${req.path}.`, { code: "unknown_route" });
      if (route.method !== req.method) throw new MethodNotAllowedError(req.method, req.path);
      if (deps.authenticator) principal = await deps.authenticator.authenticate(req, "completions");
      headers = readPortkeyHeaders(req.headers);
      traceId = headers.traceId;
      if (route.json) body = parseJsonObject(req.body, req.headers["content-type"]);
      const workspaceId = principal?.workspaceId ?? "anonymous";
      if (deps.lookups) virtualKeys = workspaceVirtualKeys(deps.lookups, workspaceId, deps.hostGuard);
      const split = splitVirtualKeyModel(body.model);
      if (split) {
        modelSlug = split.slug;
        body = { ...body, model: split.model };
        modelRewritten = true;
      }

      // Precedence (DESIGN.md 2.3): x-portkey-config, else the key's default config, else headers / @slug model.
      const configHeader = headers.config ?? principal?.defaultConfigId;
      configId =
        configHeader && !configHeader.trimStart().startsWith("{") && configHeader.length <= 128
          ? configHeader
          : undefined;
      const plan = configHeader
        ? (plans.cachedInline(configHeader) ?? (await plans.resolve(configHeader, workspaceId)))
        : HEADER_ONLY_PLAN;
      fromConfig = plan.fromConfig;
      if (deps.limits) {
        const slugs = new Set<string>();
        const headerSlug = headers.virtualKey ?? modelSlug;
        if (headerSlug) slugs.add(headerSlug);
        for (const leaf of plan.leaves) if (leaf.virtualKey) slugs.add(leaf.virtualKey);
        const owned = await limitOwners(principal, slugs, deps.lookups);
        if (owned.owners.length) {
          const gate = await deps.limits.checkRateLimits(owned.owners);
          limitHeaders = gate.headers;
          admission = await deps.limits.reserve(gate, {
            requestId: randomUUID(),
            endpoint: route.endpoint,
            body,
            candidates: budgetCandidates(plan, headers, headerSlug, owned.providerOf, body),
          });
        }
      }
      outcome = await executePlan(plan, {
        runLeaf,
        route: { metadata: headers.metadata, params: body },
        signal: req.signal,
        timing: routing.timing,
        random: routing.random,
        sleep: routing.sleep,
      });
      if (!outcome.ok) throw outcome.error;
      const result = outcome.value;
      const responseHeaders = {
        ...result.headers,
        ...limitHeaders,
        "x-portkey-trace-id": traceId,
        "x-portkey-provider": (target as ProviderTarget).provider,
        "x-portkey-cache-status": cacheState.status ?? "DISABLED",
        ...routingHeaders(outcome, fromConfig),
      };
      if (result.kind === "stream") return streamResponse(result, responseHeaders);
      if (result.kind === "cached-stream") {
        observer?.finish(summary({ status: 200, modelServed: result.model, responseBody: result.events.join("") }));
        settleBudget();
        return { status: 200, headers: { ...responseHeaders, ...SSE_HEADERS }, body: Readable.from(result.events) };
      }
      observer?.finish(
        summary({
          status: result.status,
          usage: result.response.usage,
          modelServed: result.response.model,
          responseBody: result.response.body,
        }),
      );
      settleBudget();
      return {
        status: result.status,
        headers: { "content-type": result.response.contentType, ...responseHeaders },
        body: result.response.body,
      };
    } catch (err) {
      const rendered = renderError(err);
      if (!traceId) traceId = headers?.traceId ?? "";
      const clientAborted = req.signal.aborted;
      observer?.finish(
        summary({
          status: clientAborted ? 499 : rendered.status,
          error: JSON.parse(rendered.body) as ErrorBody,
          clientAborted,
        }),
      );
      settleBudget();
      const out: Record<string, string> = { ...limitHeaders, ...rendered.headers };
      if (traceId) out["x-portkey-trace-id"] = traceId;
      if (outcome) Object.assign(out, routingHeaders(outcome, fromConfig));
      if (target) out["x-portkey-provider"] = target.provider;
      return { status: rendered.status, headers: out, body: rendered.body };
    }
  };
}

function deferred(inner: RequestObserver, background: (work: Promise<unknown>) => void): RequestObserver {
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

function streamResponse(result: StreamAttempt, headers: Record<string, string>): CoreResponse {
  return { status: result.status, headers: { ...headers, ...SSE_HEADERS }, body: result.stream };
}

function attemptFailure(provider: string, err: unknown, latencyMs: number): AttemptSummary {
  if (err instanceof GatewayError) {
    return { provider, status: err.statusCode, latencyMs, error: err.code ?? err.errorType };
  }
  return { provider, status: 500, latencyMs, error: "internal_error" };
}
