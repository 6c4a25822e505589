import type { CoreHandler, CoreRequest, CoreResponse } from "../http/types";
import type { RequestObserver, RequestSummary } from "../logging/request-summary";
import { PlanResolver } from "../routing/plan-resolver";
import { DEFAULT_GATEWAY_BOUNDS } from "./bounds";
import { HEALTH_PATH } from "./endpoints";
import type { GatewayDeps, GatewayShared } from "./gateway-deps";
import { RequestRun } from "./request-run";
import { DEFAULT_ROUTING_OPTIONS, type RoutingOptions } from "./routing-options";
import { configSourceFor } from "./workspace-resolution";

export type { GatewayDeps } from "./gateway-deps";

const HEALTH: CoreResponse = Object.freeze({
  status: 200,
  headers: Object.freeze({ "content-type": "application/json" }) as Record<string, string>,
  body: '{"status":"ok"}',
});

/**
 * The data plane: OpenAI-compatible endpoints in; a routing plan (config or headers) decides the upstream calls.
 * Everything built here is built once per process; `RequestRun` holds one request's state.
 */
export function createGatewayCore(deps: GatewayDeps): CoreHandler {
  const background =
    deps.background ??
    ((work: Promise<unknown>) => {
      work.catch((err: unknown) => deps.onBackgroundError?.(err));
    });
  const routing: RoutingOptions = { ...DEFAULT_ROUTING_OPTIONS, ...deps.routing };
  const shared: GatewayShared = {
    deps,
    background,
    // The request's summary (log record, metrics) is built after the response has been written, never before it.
    observer: deps.observer ? deferred(deps.observer, background) : undefined,
    routing,
    bounds: { ...DEFAULT_GATEWAY_BOUNDS, ...deps.bounds },
    plans: new PlanResolver({
      configSource: deps.lookups ? configSourceFor(deps.lookups) : deps.configSource,
      capacity: routing.planCacheSize,
      checkPlan: (plan) => {
        for (const host of plan.customHosts) deps.hostGuard.checkUrl(host);
      },
    }),
  };

  return async function handleGatewayRequest(req: CoreRequest): Promise<CoreResponse> {
    if (req.path === HEALTH_PATH && req.method === "GET") return HEALTH;
    return new RequestRun(shared, req).handle();
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
