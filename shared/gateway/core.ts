import type { CoreHandler, CoreRequest, CoreResponse } from "../http/types";
import { executePlan } from "../routing/executor";
import { PlanResolver } from "../routing/plan-resolver";
import { DEFAULT_GATEWAY_BOUNDS } from "./bounds";
import { HEALTH_PATH } from "./endpoints";
import type { GatewayDeps } from "./gateway-deps";
import { type LeafShared, runLeaf } from "./leaf-runner";
import type { PortkeyHeaders } from "./portkey-headers";
import { type GatewayShared, RequestRun, type RequestStep } from "./request-run";
import { answer, fail } from "./respond";
import { DEFAULT_ROUTING_OPTIONS, type RoutingOptions } from "./routing-options";
import { leafSteps, requestSteps } from "./steps/order";
import { configSourceFor, guardrailSourceFor } from "./workspace-resolution";

export type { GatewayDeps } from "./gateway-deps";

const HEALTH: CoreResponse = Object.freeze({
  status: 200,
  headers: Object.freeze({ "content-type": "application/json" }) as Record<string, string>,
  body: '{"status":"ok"}',
});

/** What the plan's execution needs, built once per core. */
interface Execution {
  readonly routing: RoutingOptions;
  readonly leaves: LeafShared;
}

/**
 * The data plane: OpenAI-compatible endpoints in; a routing plan (config or headers) decides the upstream calls.
 * Everything built here is built once per process: the ordered request and leaf steps (shared/gateway/steps/),
 * the plan cache, the options. `RequestRun` holds one request's state.
 */
export function createGatewayCore(deps: GatewayDeps): CoreHandler {
  const background =
    deps.background ??
    ((work: Promise<unknown>) => {
      work.catch((err: unknown) => deps.onBackgroundError?.(err));
    });
  const routing: RoutingOptions = { ...DEFAULT_ROUTING_OPTIONS, ...deps.routing };
  const plans = new PlanResolver({
    configSource: deps.lookups ? configSourceFor(deps.lookups) : deps.configSource,
    ...(deps.lookups?.guardrails ? { guardrailSource: guardrailSourceFor(deps.lookups) } : {}),
    capacity: routing.planCacheSize,
    checkPlan: (plan) => {
      for (const host of plan.customHosts) deps.hostGuard.checkUrl(host);
    },
  });
  const inputs = { deps, plans, background };
  const shared: GatewayShared = { steps: requestSteps(inputs), logBodies: deps.logBodies, tracing: deps.tracing };
  const execution: Execution = {
    routing,
    leaves: { deps, bounds: { ...DEFAULT_GATEWAY_BOUNDS, ...deps.bounds }, steps: leafSteps(inputs) },
  };

  const executeRun = (run: RequestRun) => execute(run, execution);

  return async function handleGatewayRequest(req: CoreRequest): Promise<CoreResponse> {
    if (req.path === HEALTH_PATH && req.method === "GET") return HEALTH;
    return runRequest(new RequestRun(shared, req), executeRun);
  };
}

/**
 * One request through the steps: every `before` in order until one answers or throws, then the plan (unless a
 * step answered), then the `after` hooks of the entered steps in reverse. An error anywhere is answered in
 * OpenAI's shape; the `finish` hooks run when the request is over (for a stream, when it ends).
 */
export async function runRequest(
  run: RequestRun,
  executeRun: (run: RequestRun) => Promise<CoreResponse>,
): Promise<CoreResponse> {
  const steps = run.shared.steps;
  let res: CoreResponse | undefined;
  try {
    while (res === undefined && run.entered < steps.length) {
      const step = steps[run.entered++] as RequestStep;
      if (!step.before) continue;
      const out = step.before(run);
      res = out instanceof Promise ? await out : out; // a step done synchronously costs no event-loop turn
    }
    if (res === undefined) res = await executeRun(run);
    else run.finish({ status: res.status });
  } catch (err) {
    res = fail(run, err);
  }
  for (let i = run.entered - 1; i >= 0; i--) {
    const step = steps[i] as RequestStep;
    if (step.after) res = step.after(run, res);
  }
  return res;
}

/** Executes the plan (ADR 0012-0014): single, fallback, loadbalance or conditional, retries, per-attempt timeouts. */
async function execute(run: RequestRun, { routing, leaves }: Execution): Promise<CoreResponse> {
  const { req } = run;
  const headers = run.headers as PortkeyHeaders;
  const outcome = await executePlan(run.plan, {
    runLeaf: (leaf) => runLeaf(run, leaf, leaves),
    route: { metadata: headers.metadata, params: run.body },
    signal: req.signal,
    timing: routing.timing,
    random: routing.random,
    sleep: req.deadline === undefined ? routing.sleep : untilDeadline(routing.sleep, req.deadline),
  });
  run.outcome = outcome;
  if (!outcome.ok) throw outcome.error;
  return answer(run, outcome.value, outcome);
}

/** A retry wait that ends at the request's deadline at the latest (the next attempt then fails at once). */
function untilDeadline(sleep: RoutingOptions["sleep"], deadline: number): RoutingOptions["sleep"] {
  return (ms, signal) => sleep(Math.max(0, Math.min(ms, deadline - Date.now())), signal);
}
