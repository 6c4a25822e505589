import { BadRequestError, GatewayError } from "../core/errors";
import type { AttemptSummary } from "../logging/request-summary";
import type { TransformContext } from "../providers/types";
import type { LeafNode } from "../routing/plan";
import { runAttempt } from "./attempt";
import { CACHEABLE_ENDPOINTS, type CachedAttemptResult, runCached } from "./cache-step";
import type { EndpointRoute } from "./endpoints";
import { targetForLeaf } from "./leaf-target";
import type { PortkeyHeaders } from "./portkey-headers";
import type { RequestRun } from "./request-run";
import { hostChosenByClient } from "./usage-billing";
import { headerTarget } from "./workspace-resolution";

/**
 * One target of the plan (one attempt, retried by the executor): resolve the target, run before-request
 * guardrails, answer from the cache or the upstream, bill what the upstream used, run after-request guardrails,
 * and record the attempt. A stream's summary is written when the stream ends.
 */
export async function runLeaf(run: RequestRun, leaf: LeafNode): Promise<CachedAttemptResult> {
  const { req, cacheState } = run;
  // A stream collector belongs to the attempt that set it: a later target's stream is never stored under its key.
  cacheState.tap = undefined;
  cacheState.onStreamComplete = undefined;
  const { deps, bounds } = run.shared;
  const h = run.headers as PortkeyHeaders;
  const endpoint = (run.route as EndpointRoute).endpoint;
  const fromHeaders = () => headerTarget(h, req.headers, deps.hostGuard, run.virtualKeys, run.modelSlug);
  const target =
    leaf.fromHeaders && !run.fromConfig
      ? await fromHeaders()
      : await targetForLeaf(leaf, h, req.headers, fromHeaders, run.virtualKeys);
  run.target = target;
  const adapter = deps.providers.get(target.provider);
  if (!adapter.endpoints.has(endpoint)) {
    throw new BadRequestError(`Provider ${adapter.id} does not support ${req.path}.`, { code: "unsupported_endpoint" });
  }
  const overrides = leaf.overrideParams;
  const ctx: TransformContext = {
    endpoint,
    target,
    body: overrides ? { ...run.body, ...overrides } : run.body,
    rawBody: req.body,
    contentType: req.headers["content-type"],
    bodyChanged: overrides !== undefined || run.modelRewritten,
  };
  const guard = run.guardrails?.before(leaf, endpoint, ctx.body); // before-request hooks (446: no upstream call)
  // What the attempt record names: the provider, the model asked for, and the config target path.
  const tried = {
    provider: target.provider,
    ...(typeof ctx.body.model === "string" ? { model: ctx.body.model } : {}),
    ...(run.fromConfig ? { target: leaf.path } : {}),
  };
  // A host the client chose is billed within the reservation, at the model asked for (it may name any model).
  const clientHost = hostChosenByClient(target, leaf, h, run.savedPlan);
  const requestedModel = String(ctx.body.model ?? "");
  const billedModel = (reported: string | undefined) => (clientHost ? requestedModel : (reported ?? requestedModel));
  const attemptStart = performance.now();
  const attempt = () =>
    runAttempt({
      adapter,
      ctx,
      transport: deps.transport,
      clientSignal: req.signal,
      timeoutMs: leaf.requestTimeoutMs ?? h.requestTimeoutMs ?? bounds.requestTimeoutMs,
      deadline: req.deadline,
      streamIdleTimeoutMs: deps.streamIdleTimeoutMs,
      maxBodyBytes: bounds.maxUpstreamBodyBytes,
      maxEventBytes: bounds.maxStreamEventBytes,
      onStreamOutput: (chunk) => {
        run.captureStream(chunk);
        cacheState.tap?.(chunk);
      },
      onStreamEnd: (end, streamed) => {
        const { translator } = streamed;
        const usage = run.bill(target.provider, billedModel(translator.model), translator.usage, clientHost);
        if (end.reason === "complete" && !translator.error) cacheState.onStreamComplete?.();
        const failed = end.reason === "error" || translator.error !== undefined;
        run.finish({
          provider: target.provider,
          status: end.reason === "client_abort" ? 499 : failed ? 502 : streamed.status,
          error: end.error ?? translator.error,
          usage,
          modelServed: translator.model,
          ttftMs: streamed.ttftMs,
          clientAborted: end.reason === "client_abort",
          responseBody: run.streamedText(),
        });
      },
    });
  try {
    let answered =
      deps.cache && leaf.cache && CACHEABLE_ENDPOINTS.has(endpoint)
        ? await runCached({
            deps: deps.cache,
            state: cacheState,
            settings: leaf.cache,
            key: {
              workspaceId: run.principal?.workspaceId ?? "anonymous",
              endpoint,
              provider: target.provider,
              // who answers: an answer from one upstream is never served for another (cache-key.ts)
              customHost: target.customHost,
              virtualKey: leaf.virtualKey ?? (leaf.fromHeaders ? (h.virtualKey ?? run.modelSlug) : undefined),
              options: target.options,
              model: String(ctx.body.model ?? ""),
              body: ctx.body,
              namespace: h.cacheNamespace,
            },
            forceRefresh: h.cacheForceRefresh,
            stream: adapter.isStreaming(ctx),
            includeUsage: (ctx.body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true,
            signal: req.signal,
            embedding: {
              providers: deps.providers,
              transport: deps.transport,
              virtualKeys: run.virtualKeys,
              signal: req.signal,
            },
            run: attempt,
          })
        : await attempt();
    const servedByCache = cacheState.status === "HIT" || cacheState.status === "SEMANTIC HIT" || cacheState.shared;
    if (answered.kind === "json" && !servedByCache) {
      const { response } = answered;
      const usage = run.bill(target.provider, billedModel(response.model), response.usage, clientHost);
      if (usage !== response.usage) answered = { ...answered, response: { ...response, usage } }; // logged as billed
    }
    const result = guard ? guard.after(answered) : answered; // after-request hooks (446, or 246 + hook_results)
    // A cache hit or a shared (coalesced) answer made no upstream call: it is not an attempt.
    if (!servedByCache) {
      run.attempts.push({
        ...tried,
        status: result.status,
        latencyMs: performance.now() - attemptStart,
      });
    }
    return result;
  } catch (err) {
    const latencyMs = performance.now() - attemptStart;
    run.attempts.push(
      req.signal.aborted
        ? { ...tried, status: 499, latencyMs, error: "client_abort" }
        : { ...tried, ...attemptFailure(err), latencyMs },
    );
    throw err;
  }
}

function attemptFailure(err: unknown): Pick<AttemptSummary, "status" | "error"> {
  if (err instanceof GatewayError) return { status: err.statusCode, error: err.code ?? err.errorType };
  return { status: 500, error: "internal_error" };
}
