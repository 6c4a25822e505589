import type { HostGuard } from "../../http/host-guard";
import { validateBody } from "../body-rules";
import { parseJsonObject } from "../parse-body";
import { readPortkeyHeaders } from "../portkey-headers";
import type { RequestRun, RequestStep } from "../request-run";
import { splitVirtualKeyModel, type WorkspaceLookups, workspaceVirtualKeys } from "../workspace-resolution";

/**
 * Reads the request once: the `x-portkey-*` headers (trace id, routing, metadata, cache headers), the JSON body
 * (400 when it is not a UTF-8 JSON object or breaks its endpoint row's `validate` rules), the workspace's virtual
 * keys, and a model written `@<virtual-key>/<model>`.
 */
export function createParseStep(lookups: WorkspaceLookups | undefined, hostGuard: HostGuard): RequestStep {
  return {
    name: "parse",
    before(run: RequestRun): undefined {
      const { req } = run;
      const headers = readPortkeyHeaders(req.headers);
      run.headers = headers;
      run.traceId = headers.traceId;
      const route = run.route;
      if (route?.body === "json") {
        run.body = parseJsonObject(req.body, req.headers["content-type"]);
        validateBody(route.endpoint, run.body);
      }
      const workspaceId = run.principal?.workspaceId ?? "anonymous";
      if (lookups) run.virtualKeys = workspaceVirtualKeys(lookups, workspaceId, hostGuard);
      const split = splitVirtualKeyModel(run.body.model);
      if (split) {
        run.modelSlug = split.slug;
        run.body = { ...run.body, model: split.model };
        run.modelRewritten = true;
      }
      return undefined;
    },
  };
}
