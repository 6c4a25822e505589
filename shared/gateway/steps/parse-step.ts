import { NotFoundError } from "../../core/errors";
import type { HostGuard } from "../../http/host-guard";
import { validateBody } from "../body-rules";
import type { VirtualKeyResolver } from "../leaf-target";
import { parseJsonObject } from "../parse-body";
import { type PortkeyHeaders, readPortkeyHeaders } from "../portkey-headers";
import type { RequestRun, RequestStep } from "../request-run";
import { splitVirtualKeyModel, type WorkspaceLookups, workspaceVirtualKeys } from "../workspace-resolution";

/** Providers whose model ids begin with "@" (`@cf/...`, `@hf/...`): never read as `@<virtual-key>/<model>`. */
const AT_MODEL_PROVIDERS: ReadonlySet<string> = new Set(["workers-ai"]);

/**
 * Reads the request once: the `x-portkey-*` headers (trace id, routing, metadata, cache headers), the JSON body
 * (400 when it is not a UTF-8 JSON object or breaks its endpoint row's `validate` rules), the workspace's virtual
 * keys, and a model written `@<virtual-key>/<model>` when no header names the upstream. On an Anthropic API row, a
 * credential (`x-api-key` / Bearer) that is the slug of one of the workspace's virtual keys names that key, as
 * `x-portkey-virtual-key` would (its limits apply); any other value is a provider key.
 */
export function createParseStep(lookups: WorkspaceLookups | undefined, hostGuard: HostGuard): RequestStep {
  return {
    name: "parse",
    before(run: RequestRun): Promise<undefined> | undefined {
      const { req } = run;
      const headers = readPortkeyHeaders(req.headers, run.route?.api);
      run.headers = headers;
      run.traceId = headers.traceId;
      const route = run.route;
      if (route?.body === "json") {
        run.body = parseJsonObject(req.body, req.headers["content-type"]);
        validateBody(route.endpoint, run.body);
      }
      const workspaceId = run.principal?.workspaceId ?? "anonymous";
      if (lookups) run.virtualKeys = workspaceVirtualKeys(lookups, workspaceId, hostGuard);
      // `@<virtual-key>/<model>` is read only where it can name the upstream: a virtual key or config header
      // already does (gateway.md's order), and a provider whose own ids begin with "@" (Workers AI's
      // "@cf/meta/...") is sent the model as is
      const ownModel = headers.virtualKey ?? headers.config ?? AT_MODEL_PROVIDERS.has(headers.provider ?? "");
      const split = ownModel ? undefined : splitVirtualKeyModel(run.body.model);
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
