import { ANALYTICS_ROUTES } from "../analytics/analytics-core";
import { renderError } from "../core/errors";
import { type ApiRoute, routeBuilders } from "../http/api-route";
import { createApiRouter, readRouteInput } from "../http/api-router";
import { openApiDocument } from "../http/openapi";
import type { CoreHandler, CoreRequest, CoreResponse } from "../http/types";
import { ADMIN_ROUTES } from "./admin-api";
import type { AdminContext, AdminCoreDeps } from "./admin-types";

export const OPENAPI_PATH = "/v1/openapi.json";

let document: string | undefined;

/** Built on the first request (not at cold start) and kept: it only changes with a deployment. */
function apiDocument(): string {
  document ??= JSON.stringify(
    openApiDocument(
      {
        title: "AI gateway control plane and analytics API",
        version: "1",
        description:
          "Workspaces, API keys, virtual keys, saved configs, prompts (admin function) and logs, analytics, " +
          "feedback (analytics function). Errors are OpenAI-shaped. The data plane is OpenAI's API.",
      },
      [...ADMIN_FUNCTION_ROUTES, ...ANALYTICS_ROUTES],
    ),
  );
  return document;
}

/** Every route the admin function serves: the admin API plus its public description. */
export const ADMIN_FUNCTION_ROUTES: readonly ApiRoute<AdminContext>[] = [
  ...ADMIN_ROUTES,
  routeBuilders<AdminContext>().publicRoute({
    method: "GET",
    path: OPENAPI_PATH,
    operationId: "getOpenApiDocument",
    summary: "This API's OpenAPI 3.1 description (public: it holds no data)",
    tag: "meta",
    handle: async () => ({ status: 200, headers: { "content-type": "application/json" }, body: apiDocument() }),
  }),
];

/**
 * The control-plane core: routes a call through the admin route table (admin-api.ts), authenticates it (root key
 * or a key with the `admin` scope; before an unknown path is reported, so the table is not probed anonymously),
 * validates its path, query and body against the route's schemas, and renders every failure through `renderError`
 * (4xx with a message, 5xx generic).
 */
export function createAdminCore(deps: AdminCoreDeps): CoreHandler {
  const now = deps.now ?? Date.now;
  const router = createApiRouter(ADMIN_FUNCTION_ROUTES);
  return async function adminCore(req: CoreRequest): Promise<CoreResponse> {
    try {
      const found = router.lookup(req.method, req.path);
      const route = found instanceof Error ? undefined : found.route;
      if (route?.auth === "public") return await route.handle(req);
      const principal = await deps.authenticator.authenticate(req, "admin");
      if (found instanceof Error || route === undefined) throw found;
      return await route.handle({ req, principal, deps, now, ...readRouteInput(found, req) });
    } catch (err) {
      const rendered = renderError(err);
      if (rendered.status >= 500) {
        deps.logger?.error("admin request failed", {
          method: req.method,
          path: req.path,
          error: err instanceof Error ? { name: err.name, message: err.message } : String(err),
        });
      }
      return { status: rendered.status, headers: rendered.headers, body: rendered.body };
    }
  };
}
