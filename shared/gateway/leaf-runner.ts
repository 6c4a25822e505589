import { BadRequestError, type ErrorBody, GatewayError } from "../core/errors";
import type { AttemptSummary } from "../logging/request-summary";
import { newSpanId, upstreamTraceHeaders } from "../logging/trace-context";
import { loadChatLayer } from "../providers/protocols/via-chat";
import type { TransformContext } from "../providers/types";
import type { LeafNode } from "../routing/plan";
import { type CachedAttemptResult, runAttempt } from "./attempt";
import type { GatewayBounds } from "./bounds";
import type { EndpointRoute } from "./endpoints";
import type { GatewayDeps } from "./gateway-deps";
import { LeafRun, type LeafStep } from "./leaf-run";
import { targetForLeaf } from "./leaf-target";
import type { PortkeyHeaders } from "./portkey-headers";
import type { RequestRun } from "./request-run";
import { hostChosenByClient } from "./usage-billing";
import { headerTarget } from "./workspace-resolution";

/** What every attempt of one core shares, built once in `createGatewayCore`. */
export interface LeafShared {
  readonly deps: GatewayDeps;
  readonly bounds: GatewayBounds;
  /** The per-target steps, in order (shared/gateway/steps/order.ts). */
  readonly steps: readonly LeafStep[];
}

/**
 * One target of the plan (one attempt, retried by the executor): resolve the target, run the leaf steps' `before`
 * hooks (guardrails, cache), call the upstream unless a step answered, bill what the upstream used, run the `after`
 * hooks in reverse, and record the attempt. A stream's summary is written when the stream ends.
 */
export async function runLeaf(run: RequestRun, planLeaf: LeafNode, shared: LeafShared): Promise<CachedAttemptResult> {
  const prompted =
    planLeaf.promptId === undefined ? undefined : await renderLeafPrompt(run, planLeaf, planLeaf.promptId);
  const leaf = prompted?.leaf ?? planLeaf;
  const { req } = run;
  const { deps, bounds, steps } = shared;
  const h = run.headers as PortkeyHeaders;
  const row = run.route as EndpointRoute;
  const endpoint = row.endpoint;
  const fromHeaders = () => headerTarget(h, req.headers, deps.hostGuard, run.virtualKeys, run.modelSlug);
  const resolved =
    leaf.fromHeaders && !run.fromConfig
      ? await fromHeaders()
      : await targetForLeaf(leaf, h, req.headers, fromHeaders, run.virtualKeys);
  // the client API's own option headers (`anthropic-version`, `anthropic-beta`) win: they say what its body means
  const target = h.apiOptions ? { ...resolved, options: { ...resolved.options, ...h.apiOptions } } : resolved;
  run.target = target;
  run.noteCredentials(target);
  const adapter = await deps.providers.load(target.provider); // its module on first use (ADR 0044)
  adapter.requireEndpoint(endpoint); // 400 unsupported_endpoint
  const chatLayer = loadChatLayer(endpoint); // the Responses/Messages translation, with its first request
  if (chatLayer) await chatLayer;
  const overrides = leaf.overrideParams;
  const body = prompted?.body ?? run.body;
  const ctx: TransformContext = {
    endpoint,
    target,
    body: overrides ? { ...body, ...overrides } : body,
    rawBody: req.body,
    path: req.path,
    search: req.query.size ? `?${req.query}` : "",
    contentType: req.headers["content-type"],
    bodyChanged: overrides !== undefined || run.modelRewritten || prompted !== undefined,
  };
  const leafRun = new LeafRun(run, leaf, target, adapter, ctx);
  // What the attempt record names: the provider, the model asked for, the config target path, its span (tracing).
  const { trace } = run;
  const spanId = trace?.spanId === undefined ? undefined : newSpanId();
  const tried = {
    provider: target.provider,
    ...(typeof ctx.body.model === "string" ? { model: ctx.body.model } : {}),
    ...(run.fromConfig ? { target: leaf.path } : {}),
    ...(spanId === undefined ? {} : { spanId }),
  };
  // A host the client chose is billed within the reservation, at the model asked for (it may name any model).
  const clientHost = hostChosenByClient(target, leaf, h, run.savedPlan);
  const requestedModel = String(ctx.body.model ?? "");
  const billedModel = (reported: string | undefined) => (clientHost ? requestedModel : (reported ?? requestedModel));
  let attemptStart: number | undefined; // set when the upstream is called (a step may answer instead)
  let entered = 0;
  let answered: CachedAttemptResult | undefined;
  try {
    // before hooks in order; one may answer for the upstream (a cache hit, a coalesced answer: not an attempt)
    while (answered === undefined && entered < steps.length) {
      const step = steps[entered++] as LeafStep;
      if (!step.before) continue;
      const out = step.before(leafRun);
      answered = out instanceof Promise ? await out : out;
    }
    if (answered === undefined) {
      attemptStart = performance.now();
      answered = await runAttempt({
        adapter,
        ctx: leafRun.ctx,
        transport: deps.transport,
        clientSignal: req.signal,
        timeoutMs: leaf.requestTimeoutMs ?? h.requestTimeoutMs ?? bounds.requestTimeoutMs,
        traceHeaders: trace === undefined ? undefined : upstreamTraceHeaders(trace, spanId),
        deadline: req.deadline,
        streamIdleTimeoutMs: deps.streamIdleTimeoutMs,
        maxBodyBytes: bounds.maxUpstreamBodyBytes,
        maxEventBytes: bounds.maxStreamEventBytes,
        streamFilter: leafRun.streamFilter,
        onStreamOutput: (chunk) => {
          run.captureStream(chunk);
          leafRun.tap?.(chunk);
        },
        onStreamEnd: (end, streamed) => {
          const { translator } = streamed;
          const usage = run.bill(target.provider, billedModel(translator.model), translator.usage, clientHost);
          if (end.reason === "complete" && !translator.error) leafRun.onStreamComplete?.();
          const failed = end.reason === "error" || translator.error !== undefined;
          run.finish({
            provider: target.provider,
            status: end.reason === "client_abort" ? 499 : (end.status ?? (failed ? 502 : streamed.status)),
            error: end.error ?? translator.error,
            usage,
            modelServed: translator.model,
            ttftMs: streamed.ttftMs,
            clientAborted: end.reason === "client_abort",
            responseBody: run.streamedBody(),
          });
        },
        onBytesEnd: (end, passed) => {
          const failed = end.reason === "error";
          run.finish({
            provider: target.provider,
            status: end.reason === "client_abort" ? 499 : failed ? 502 : passed.status,
            error: failed ? bytesCut(end.code) : undefined,
            clientAborted: end.reason === "client_abort",
            responseBytes: end.bytes,
          });
        },
      });
      // a pass-through row carries no token usage: nothing is billed, the (empty) reservation is given back
      if (answered.kind === "json" && !row.passThrough) {
        const { response } = answered;
        const usage = run.bill(target.provider, billedModel(response.model), response.usage, clientHost);
        if (usage !== response.usage) answered = { ...answered, response: { ...response, usage } }; // logged as billed
      }
    }
  } catch (err) {
    failSteps(steps, entered - 1, leafRun, err);
    if (attemptStart !== undefined) recordFailure(run, tried, attemptStart, err);
    throw err;
  }
  // after hooks in reverse (cache store, then after-request guardrails: 446, or 246 + hook_results)
  let result = answered;
  let i = entered - 1;
  try {
    for (; i >= 0; i--) {
      const step = steps[i] as LeafStep;
      if (!step.after) continue;
      const out = step.after(leafRun, result);
      result = out instanceof Promise ? await out : out;
    }
  } catch (err) {
    failSteps(steps, i - 1, leafRun, err);
    if (attemptStart !== undefined) recordFailure(run, tried, attemptStart, err);
    throw err;
  }
  // A cache hit or a shared (coalesced) answer made no upstream call: it is not an attempt.
  // Object.assign, not `{ ...tried, status, ... }`: on Node 20 a spread followed by keys the source lacks costs
  // ~0.5 us a key (V8 issue 11536), ~2 us here against 0.08
  if (attemptStart !== undefined)
    run.attempts.push(
      Object.assign({}, tried, {
        status: result.status,
        latencyMs: performance.now() - attemptStart,
        startOffsetMs: attemptStart - run.started,
      }),
    );
  return result;
}

/** The log's error for a passed-through body the gateway had to cut (the client saw the connection end early). */
function bytesCut(code: string | undefined): ErrorBody {
  const message = "The upstream body could not be passed on to its end.";
  return { error: { message, type: "gateway_upstream_error", param: null, code: code ?? "stream_interrupted" } };
}

/**
 * A target with `prompt_id` (a prompt A/B split in a config): renders that prompt with the call's variables, and
 * records it as the prompt that answered; without `provider` / `virtual_key` the target runs on its virtual key.
 */
async function renderLeafPrompt(
  run: RequestRun,
  leaf: LeafNode,
  promptId: string,
): Promise<{ leaf: LeafNode; body: Record<string, unknown> }> {
  const param = `${leaf.path}.prompt_id`;
  if (run.promptCall === undefined) {
    throw new BadRequestError(
      `Invalid config: ${param}: a target with prompt_id runs only on prompt completions (POST /v1/prompts/{id}/completions).`,
      { param, code: "invalid_config" },
    );
  }
  const rendered = await run.promptCall.render(promptId);
  run.prompt = { id: rendered.id, version: rendered.version };
  if (leaf.provider !== undefined || leaf.virtualKey !== undefined) return { leaf, body: rendered.body };
  if (rendered.virtualKey === undefined) {
    throw new BadRequestError(
      `Invalid config: ${param}: prompt '${rendered.id}' has no virtual_key; give the target "provider" or "virtual_key".`,
      { param, code: "invalid_config" },
    );
  }
  return { leaf: { ...leaf, virtualKey: rendered.virtualKey }, body: rendered.body };
}

/** The `failed` hooks of the steps up to `last`, in reverse. */
function failSteps(steps: readonly LeafStep[], last: number, leafRun: LeafRun, err: unknown): void {
  for (let i = last; i >= 0; i--) steps[i]?.failed?.(leafRun, err);
}

function recordFailure(
  run: RequestRun,
  tried: Omit<AttemptSummary, "status" | "latencyMs">,
  start: number,
  err: unknown,
) {
  const latencyMs = performance.now() - start;
  const startOffsetMs = start - run.started;
  run.attempts.push(
    run.req.signal.aborted
      ? { ...tried, status: 499, latencyMs, startOffsetMs, error: "client_abort" }
      : { ...tried, ...attemptFailure(err), latencyMs, startOffsetMs },
  );
}

function attemptFailure(err: unknown): Pick<AttemptSummary, "status" | "error"> {
  if (err instanceof GatewayError) return { status: err.statusCode, error: err.code ?? err.errorType };
  return { status: 500, error: "internal_error" };
}
