import { NotFoundError } from "../../core/errors";
import { type CoreResponse, JSON_HEADERS } from "../../http/types";
import { modelCatalog } from "../model-catalog";
import type { RequestRun, RequestStep } from "../request-run";
import type { WorkspaceLookups } from "../workspace-resolution";

/**
 * True when the request names no target: no `x-portkey-provider`, no `x-portkey-virtual-key`, and no config with a
 * single target (a config with a strategy names several, as in Portkey's gateway, which also answers from its
 * catalog then). Otherwise `GET /v1/models` is the chosen upstream's own list.
 */
function namesNoTarget(run: RequestRun): boolean {
  const { headers, plan } = run;
  if (headers?.provider || headers?.virtualKey) return false;
  return !(plan.root.kind === "leaf" && !plan.root.fromHeaders);
}

/**
 * `GET /v1/models` and `GET /v1/models/{model}` with the gateway key alone: the catalog of the models behind the
 * workspace's virtual keys (model-catalog.ts; docs/models.md, ADR 0027), from the cached list of its keys, so no
 * table is read per request. With a target named by header or config, the request goes on to that upstream.
 */
export function createModelsStep(lookups: WorkspaceLookups): RequestStep {
  return {
    name: "models",
    before(run: RequestRun): Promise<CoreResponse> | undefined {
      const endpoint = run.route?.endpoint;
      // every other request passes with no promise made
      if ((endpoint !== "models" && endpoint !== "model") || !namesNoTarget(run)) return undefined;
      return answer(run, endpoint);
    },
  };

  async function answer(run: RequestRun, endpoint: "models" | "model"): Promise<CoreResponse> {
    const keys = await lookups.virtualKeys.list(run.principal?.workspaceId ?? "anonymous");
    const catalog = modelCatalog(keys);
    if (endpoint === "models") return { status: 200, headers: { ...JSON_HEADERS }, body: catalog.body };
    // the route step admitted only id characters and `%2F` (shared/gateway/endpoints.ts)
    const id = decodeURIComponent(run.routeParams.model ?? "");
    const found = catalog.byId.get(id);
    if (found === undefined) {
      throw new NotFoundError(`The model '${id}' does not exist in this workspace's catalog.`, {
        param: "model",
        code: "model_not_found",
      });
    }
    return { status: 200, headers: { ...JSON_HEADERS }, body: found };
  }
}
