import { ADMIN_FUNCTION_ROUTES } from "./admin/admin-core";
import { ANALYTICS_ROUTES } from "./analytics/analytics-core";
import { DATA_PLANE_ROUTES, HEALTH_PATH } from "./gateway/endpoints";
import { PROMPT_GATEWAY_ROUTES } from "./gateway/steps/prompts-step";
import { type ApiResource, createResourceResolver, type DeclaredRoute, deriveResources } from "./http/api-resources";

/**
 * Which function serves a path, derived from the tables that declare the routes: the data plane
 * (shared/gateway/endpoints.ts, the prompt render/completions routes), the admin API (shared/admin/admin-api.ts)
 * and the analytics API (shared/analytics/analytics-core.ts). The CDK stack creates exactly `API_RESOURCES`; the
 * local runtime resolves paths over the same resources, so both send a path to the same function.
 */
export type FunctionName = "gateway" | "admin" | "analytics";

export const DECLARED_ROUTES: readonly DeclaredRoute<FunctionName>[] = [
  { method: "GET", path: HEALTH_PATH, fn: "gateway" },
  ...DATA_PLANE_ROUTES.map(({ method, path }) => ({ method, path, fn: "gateway" as const })),
  ...PROMPT_GATEWAY_ROUTES.map((route) => ({ ...route, fn: "gateway" as const })),
  ...ADMIN_FUNCTION_ROUTES.map(({ method, path }) => ({ method, path, fn: "admin" as const })),
  ...ANALYTICS_ROUTES.map(({ method, path }) => ({ method, path, fn: "analytics" as const })),
];

/**
 * The API Gateway resources (each with `ANY`). Paths under `/v1` that no table declares go to the gateway, whose
 * answer for an unknown path is OpenAI's 404.
 */
export const API_RESOURCES: readonly ApiResource<FunctionName>[] = deriveResources(DECLARED_ROUTES, "gateway");

/** The resource API Gateway picks for a path (undefined: none matches). */
export const resourceForPath = createResourceResolver(API_RESOURCES);

/** The function API Gateway sends `path` to; the gateway for a path no resource matches. */
export function functionForPath(path: string): FunctionName {
  return resourceForPath(path)?.target ?? "gateway";
}
