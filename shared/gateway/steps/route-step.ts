import { LoopDetectedError, MethodNotAllowedError, NotFoundError } from "../../core/errors";
import type { HostGuard } from "../../http/host-guard";
import { HOP_HEADER } from "../../http/outbound-headers";
import { DATA_PLANE_ROUTES } from "../endpoints";
import type { RequestRun, RequestStep } from "../request-run";

/**
 * Routes the request: one map lookup in the data-plane endpoint table (404 unknown path, 405 wrong method), and
 * a request that carries this deployment's own hop mark is a loop (508) before anything else is spent on it.
 */
export function createRouteStep(hostGuard: HostGuard): RequestStep {
  return {
    name: "route",
    before(run: RequestRun): undefined {
      const { req } = run;
      const route = DATA_PLANE_ROUTES.get(req.path);
      if (!route) throw new NotFoundError(`No route for ${req.method} ${req.path}.`, { code: "unknown_route" });
      if (route.method !== req.method) throw new MethodNotAllowedError(req.method, req.path);
      run.route = route;
      if (hostGuard.isOwnHop(req.headers[HOP_HEADER])) throw new LoopDetectedError();
      return undefined;
    },
  };
}
