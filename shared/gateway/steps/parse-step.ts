import { NotFoundError } from "../../core/errors";
import type { HostGuard } from "../../http/host-guard";
import type { VirtualKeyResolver } from "../leaf-target";
import { parseJsonObject } from "../parse-body";
import { type PortkeyHeaders, readPortkeyHeaders } from "../portkey-headers";
import type { RequestRun, RequestStep } from "../request-run";
import { splitVirtualKeyModel, type WorkspaceLookups, workspaceVirtualKeys } from "../workspace-resolution";

/**
 * Reads the request once: the `x-portkey-*` headers (trace id, routing, metadata, cache headers), the JSON body
 * (400 when it is not a JSON object), the workspace's virtual keys, and a model written `@<virtual-key>/<model>`.
 * On an Anthropic API row, a credential (`x-api-key` / Bearer) that is the slug of one of the workspace's virtual
 * keys names that key, as `x-portkey-virtual-key` would (its limits apply); any other value is a provider key.
 */
export function createParseStep(lookups: WorkspaceLookups | undefined, hostGuard: HostGuard): RequestStep {
  return {
    name: "parse",
    before(run: RequestRun): Promise<undefined> | undefined {
      const { req } = run;
      const headers = readPortkeyHeaders(req.headers, run.route?.api);
      run.headers = headers;
      run.traceId = headers.traceId;
      if (run.route?.body === "json") run.body = parseJsonObject(req.body, req.headers["content-type"]);
      const workspaceId = run.principal?.workspaceId ?? "anonymous";
      if (lookups) run.virtualKeys = workspaceVirtualKeys(lookups, workspaceId, hostGuard);
      const split = splitVirtualKeyModel(run.body.model);
      if (split) {
        run.modelSlug = split.slug;
        run.body = { ...run.body, model: split.model };
        run.modelRewritten = true;
      }
      const slug = headers.credentialSlug;
      if (slug && !headers.virtualKey && !run.modelSlug && run.virtualKeys) {
        return credentialVirtualKey(run, headers, slug, run.virtualKeys);
      }
      return undefined;
    },
  };
}

/** The credential names a virtual key of the caller's workspace: it becomes the request's virtual key. */
async function credentialVirtualKey(
  run: RequestRun,
  headers: PortkeyHeaders,
  slug: string,
  virtualKeys: VirtualKeyResolver,
): Promise<undefined> {
  try {
    await virtualKeys.resolve(slug); // cached by the control plane, misses included
  } catch (err) {
    if (err instanceof NotFoundError) return undefined; // a provider key that looks like a slug
    throw err;
  }
  run.headers = { ...headers, virtualKey: slug, bearer: undefined };
  return undefined;
}
