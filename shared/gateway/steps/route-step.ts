import { LoopDetectedError } from "../../core/errors";
import type { HostGuard } from "../../http/host-guard";
import { HOP_HEADER } from "../../http/outbound-headers";
import { matchEndpoint } from "../endpoints";
import type { RequestRun, RequestStep } from "../request-run";

/**
 * Routes the request: one map lookup in the data-plane endpoint table (a path template's segment tree after) (404 unknown path, 405 wrong method), and
 * a request that carries this deployment's own hop mark is a loop (508) before anything else is spent on it.
 */
export function createRouteStep(hostGuard: HostGuard): RequestStep {
  return {
    name: "route",
    before(run: RequestRun): undefined {
      const { req } = run;
      const match = matchEndpoint(req.method, req.path);
      if (match instanceof Error) throw match;
      run.route = match.route;
      run.routeParams = match.params;
      if (hostGuard.isOwnHop(req.headers[HOP_HEADER])) throw new LoopDetectedError();
      return undefined;
    },
  };
}
