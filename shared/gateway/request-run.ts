import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { type ErrorBody, LoopDetectedError, MethodNotAllowedError, NotFoundError, renderError } from "../core/errors";
import type { Principal } from "../core/principal";
import type { GuardrailRun } from "../guardrails/guardrails";
import { HOP_HEADER } from "../http/outbound-headers";
import type { CoreRequest, CoreResponse } from "../http/types";
import { microsToUsd } from "../limits/pricing";
import type { Admission, BilledAttempt } from "../limits/request-limits";
import { boundUntrustedUsage, sanitizeUsage, type UsageAnomaly } from "../limits/usage-bounds";
import { bodyLoggingEnabled } from "../logging/record-builder";
import type { AttemptSummary, BudgetSummary, RequestSummary } from "../logging/request-summary";
import type { ProviderTarget, Usage } from "../providers/types";
import { executePlan, type RouteOutcome } from "../routing/executor";
import { type CompiledPlan, HEADER_ONLY_PLAN } from "../routing/plan";
import type { CachedAttemptResult, CacheRequestState } from "./cache-step";
import { DATA_PLANE_ROUTES, type EndpointRoute } from "./endpoints";
import type { GatewayShared } from "./gateway-deps";
import { runLeaf } from "./leaf-runner";
import type { VirtualKeyResolver } from "./leaf-target";
import { budgetCandidates, limitOwners } from "./limit-owners";
import { parseJsonObject } from "./parse-body";
import { type PortkeyHeaders, readPortkeyHeaders } from "./portkey-headers";
import { type RoutingOptions, routingHeaders } from "./routing-options";
import { splitVirtualKeyModel, workspaceVirtualKeys } from "./workspace-resolution";

/** Stream bytes kept for the request log (the log caps bodies at 32 KiB; a little slack for redaction). */
const STREAM_LOG_LIMIT = 40 * 1024;

export const SSE_HEADERS = Object.freeze({
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  "x-accel-buffering": "no",
});

/**
 * One client request through the data plane: authenticate, parse, resolve the plan, admit (rate limits and budget
 * reservation), execute the plan, answer, and hand exactly one summary to the observer. Its fields are the
 * request's state; `leaf-runner.ts` runs each target attempt against them.
 */
export class RequestRun {
  readonly startedAt = Date.now();
  readonly started = performance.now();
  readonly attempts: AttemptSummary[] = [];
  readonly billed: BilledAttempt[] = [];
  /** Deployment and request (`x-portkey-debug`) at first; the workspace's `log_bodies` once authenticated. */
  logBodies: boolean;
  readonly guardrails: GuardrailRun | undefined;
  readonly cacheState: CacheRequestState;
  traceId: string;
  route: EndpointRoute | undefined;
  target: ProviderTarget | undefined;
  body: Record<string, unknown> = {};
  headers: PortkeyHeaders | undefined;
  outcome: RouteOutcome<CachedAttemptResult> | undefined;
  fromConfig = false;
  /** The plan came from a saved config (its custom hosts were stored by an admin). */
  savedPlan = false;
  /** Set when an attempt's reported usage had to be clamped or bounded (the first such attempt's reason). */
  usageAnomaly: UsageAnomaly | undefined;
  principal: Principal | undefined;
  virtualKeys: VirtualKeyResolver | undefined;
  modelSlug: string | undefined;
  modelRewritten = false;
  configId: string | undefined;
  strategy: string | undefined;
  private admission: Admission | undefined;
  private limitHeaders: Readonly<Record<string, string>> = {};
  private readonly streamed: (Buffer | string)[] = [];
  private streamedBytes = 0;

  constructor(
    readonly shared: GatewayShared,
    readonly req: CoreRequest,
  ) {
    this.traceId = req.headers["x-portkey-trace-id"] ?? "";
    this.logBodies = bodyLoggingEnabled(req.headers, shared.deps.logBodies);
    this.guardrails = shared.deps.guardrails?.start();
    this.cacheState = {
      status: undefined,
      shared: false,
      tap: undefined,
      onStreamComplete: undefined,
      background: shared.background,
    };
  }

  /** Keeps what the client was streamed, for the log record (capped). */
  captureStream(chunk: Buffer | string): void {
    if (!this.logBodies || this.streamedBytes > STREAM_LOG_LIMIT) return;
    this.streamed.push(chunk);
    this.streamedBytes += chunk.length;
  }

  streamedText(): string | undefined {
    return this.streamed.length ? this.streamed.join("") : undefined;
  }

  /**
   * Records what one attempt is billed from the usage its upstream reported, checked (shared/limits/usage-bounds.ts):
   * numbers clamped to non-negative integers within bounds, and a host the client chose billed within the
   * reservation. Returns the usage to log.
   */
  bill(provider: string, model: string, reported: Usage | undefined, clientHost: boolean): Usage | undefined {
    if (reported === undefined) {
      this.billed.push({ provider, model, usage: "unknown" });
      return undefined;
    }
    const estimate = clientHost ? this.admission?.estimate : undefined;
    const checked = estimate ? boundUntrustedUsage(reported, estimate) : sanitizeUsage(reported);
    this.usageAnomaly ??= checked.anomaly;
    this.billed.push({ provider, model, usage: checked.usage });
    return checked.usage;
  }

  /**
   * Hands the request's one summary to the observer and settles the budget with what the attempts used (or gives
   * the reservation back), after the answer. When a budget applied, the summary waits for the settle so the log
   * record carries its outcome.
   */
  finish(fields: Partial<RequestSummary> & Pick<RequestSummary, "status">): void {
    const summary = this.summary(fields);
    const { observer, background } = this.shared;
    const taken = this.admission;
    this.admission = undefined;
    if (!taken) {
      observer?.finish(summary);
      return;
    }
    const settling = this.billed.length ? taken.settle(this.billed) : taken.release();
    if (!observer || !taken.reservation.scopes.length) {
      background(settling);
      observer?.finish(summary);
      return;
    }
    const observed = (budget: BudgetSummary) => observer.finish({ ...summary, budget });
    background(
      settling.then(
        (result) => observed(result ? { outcome: "settled", result } : { outcome: "released" }),
        (err: unknown) => {
          observed({ outcome: "failed" });
          throw err;
        },
      ),
    );
  }

  summary(fields: Partial<RequestSummary> & Pick<RequestSummary, "status">): RequestSummary {
    const { headers, outcome, principal, body, admission } = this;
    const requestMetadata = headers?.metadata ?? {};
    return {
      traceId: this.traceId,
      startedAt: this.startedAt,
      method: this.req.method,
      endpoint: this.route?.endpoint ?? "unknown",
      workspaceId: principal?.workspaceId,
      apiKeyId: principal?.apiKeyId,
      configId: this.configId,
      virtualKey: headers?.virtualKey ?? this.modelSlug ?? outcome?.leaf?.virtualKey,
      strategy: this.strategy,
      provider: this.target?.provider,
      modelRequested: typeof body.model === "string" ? body.model : undefined,
      stream: body.stream === true,
      attempts: this.attempts,
      latencyMs: performance.now() - this.started,
      // The key's metadata are defaults; the request's `x-portkey-metadata` wins per field.
      metadata: principal?.metadata ? { ...principal.metadata, ...requestMetadata } : requestMetadata,
      clientAborted: false,
      logBodies: this.logBodies,
      user: typeof body.user === "string" ? body.user : undefined,
      retryCount: outcome?.retryCount,
      lastUsedOptionIndex: this.fromConfig ? outcome?.leaf?.path : undefined,
      cacheStatus: this.cacheState.status,
      sharedAnswer: this.cacheState.shared || undefined,
      budgetReservedUsd: admission?.reservation.scopes.length
        ? microsToUsd(admission.reservation.charge.costMicros)
        : undefined,
      usageAnomaly: this.usageAnomaly,
      requestBody: this.req.body,
      guardrails: this.guardrails?.records,
      ...fields,
    };
  }

  async handle(): Promise<CoreResponse> {
    try {
      const plan = await this.prepare();
      await this.admit(plan);
      const { routing } = this.shared;
      const headers = this.headers as PortkeyHeaders;
      this.outcome = await executePlan(plan, {
        runLeaf: (leaf) => runLeaf(this, leaf),
        route: { metadata: headers.metadata, params: this.body },
        signal: this.req.signal,
        timing: routing.timing,
        random: routing.random,
        sleep: this.req.deadline === undefined ? routing.sleep : untilDeadline(routing.sleep, this.req.deadline),
      });
      if (!this.outcome.ok) throw this.outcome.error;
      return this.answer(this.outcome.value, this.outcome);
    } catch (err) {
      return this.fail(err);
    }
  }

  /** Route, authenticate, parse, and resolve the routing plan. */
  private async prepare(): Promise<CompiledPlan> {
    const { req } = this;
    const { deps, plans } = this.shared;
    const route = DATA_PLANE_ROUTES.get(req.path);
    if (!route) throw new NotFoundError(`No route for ${req.method} ${req.path}.`, { code: "unknown_route" });
    if (route.method !== req.method) throw new MethodNotAllowedError(req.method, req.path);
    this.route = route;
    if (deps.hostGuard.isOwnHop(req.headers[HOP_HEADER])) throw new LoopDetectedError();
    if (deps.authenticator) this.principal = await deps.authenticator.authenticate(req, "completions");
    if (this.principal?.workspaceLogBodies === false) this.logBodies = false;
    const headers = readPortkeyHeaders(req.headers);
    this.headers = headers;
    this.traceId = headers.traceId;
    if (route.json) this.body = parseJsonObject(req.body, req.headers["content-type"]);
    const workspaceId = this.principal?.workspaceId ?? "anonymous";
    if (deps.lookups) this.virtualKeys = workspaceVirtualKeys(deps.lookups, workspaceId, deps.hostGuard);
    const split = splitVirtualKeyModel(this.body.model);
    if (split) {
      this.modelSlug = split.slug;
      this.body = { ...this.body, model: split.model };
      this.modelRewritten = true;
    }
    // Precedence (docs/architecture.md, step 4): x-portkey-config, else the key's default config, else headers / @slug model.
    const configHeader = headers.config ?? this.principal?.defaultConfigId;
    this.configId =
      configHeader && !configHeader.trimStart().startsWith("{") && configHeader.length <= 128
        ? configHeader
        : undefined;
    const plan = configHeader
      ? (plans.cachedInline(configHeader) ?? (await plans.resolve(configHeader, workspaceId)))
      : HEADER_ONLY_PLAN;
    this.fromConfig = plan.fromConfig;
    if (plan.fromConfig) this.strategy = plan.root.kind === "strategy" ? plan.root.mode : "single";
    this.savedPlan = plans.isSaved(plan);
    return plan;
  }

  /** Rate limits (429) and the budget reservation (412), before any upstream call. */
  private async admit(plan: CompiledPlan): Promise<void> {
    const { limits, lookups } = this.shared.deps;
    if (!limits) return;
    const headers = this.headers as PortkeyHeaders;
    const slugs = new Set<string>();
    const headerSlug = headers.virtualKey ?? this.modelSlug;
    if (headerSlug) slugs.add(headerSlug);
    for (const leaf of plan.leaves) if (leaf.virtualKey) slugs.add(leaf.virtualKey);
    const owned = await limitOwners(this.principal, slugs, lookups);
    if (!owned.owners.length) return;
    const gate = await limits.checkRateLimits(owned.owners);
    this.limitHeaders = gate.headers;
    this.admission = await limits.reserve(gate, {
      requestId: randomUUID(),
      endpoint: (this.route as EndpointRoute).endpoint,
      body: this.body,
      candidates: budgetCandidates(plan, headers, headerSlug, owned.providerOf, this.body),
    });
  }

  private answer(result: CachedAttemptResult, outcome: RouteOutcome<CachedAttemptResult>): CoreResponse {
    const responseHeaders = {
      ...result.headers,
      ...this.limitHeaders,
      "x-portkey-trace-id": this.traceId,
      "x-portkey-provider": (this.target as ProviderTarget).provider,
      "x-portkey-cache-status": this.cacheState.status ?? "DISABLED",
      ...routingHeaders(outcome, this.fromConfig),
    };
    if (result.kind === "stream") {
      // the summary is written when the stream ends (leaf-runner's onStreamEnd)
      return { status: result.status, headers: { ...responseHeaders, ...SSE_HEADERS }, body: result.stream };
    }
    if (result.kind === "cached-stream") {
      this.finish({ status: 200, modelServed: result.model, responseBody: result.events.join("") });
      return { status: 200, headers: { ...responseHeaders, ...SSE_HEADERS }, body: Readable.from(result.events) };
    }
    this.finish({
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

  private fail(err: unknown): CoreResponse {
    const rendered = renderError(err);
    if (!this.traceId) this.traceId = this.headers?.traceId ?? "";
    const clientAborted = this.req.signal.aborted;
    this.finish({
      status: clientAborted ? 499 : rendered.status,
      error: JSON.parse(rendered.body) as ErrorBody,
      clientAborted,
    });
    const out: Record<string, string> = { ...this.limitHeaders, ...rendered.headers };
    if (this.traceId) out["x-portkey-trace-id"] = this.traceId;
    if (this.outcome) Object.assign(out, routingHeaders(this.outcome, this.fromConfig));
    if (this.target) out["x-portkey-provider"] = this.target.provider;
    return { status: rendered.status, headers: out, body: rendered.body };
  }
}

/** A retry wait that ends at the request's deadline at the latest (the next attempt then fails at once). */
function untilDeadline(sleep: RoutingOptions["sleep"], deadline: number): RoutingOptions["sleep"] {
  return (ms, signal) => sleep(Math.max(0, Math.min(ms, deadline - Date.now())), signal);
}
