import { ENDPOINT_ROWS, type EndpointRow, isTemplated } from "../core/endpoints";
import { MethodNotAllowedError, NotFoundError } from "../core/errors";
import { createApiRouter, type RouteMiss } from "../http/api-router";

/** A data-plane route: the endpoint table's row (shared/core/endpoints.ts) for the path. */
export type EndpointRoute = EndpointRow;

/** The gateway's own health check (`GET`, no key needed). */
export const HEALTH_PATH = "/health";

/** The OpenAI-compatible data-plane routes, in table order: each row's method and path (a template where `{name}`). */
export const DATA_PLANE_ROUTES: readonly EndpointRoute[] = ENDPOINT_ROWS;

/** A path parameter: an id or slug, never `.`/`..` or anything that could change the upstream path it is put in. */
const PATH_PARAM = /^(?!\.{1,2}$)[A-Za-z0-9._~:-]{1,256}$/;
/**
 * A `{model}` parameter: a model id, which may be namespaced (`meta-llama/Llama-3`, the catalog's `@vk/gpt-4o`), its
 * `/` arriving as `%2F` (the SDKs encode it): segments of the id characters and `@`, none of them `.` or `..` (so no
 * upstream that decodes `%2F` sees a dot segment).
 */
const MODEL_PARAM = /^(?!\.{1,2}(?:%2F|$))(?:[A-Za-z0-9._~:@-]|%2F(?!\.{1,2}(?:%2F|$)))+$/i;
/** Path parameters with their own pattern, by name; every other name takes `PATH_PARAM`. */
const PARAM_PATTERNS: Readonly<Record<string, RegExp>> = { model: MODEL_PARAM };

/** Fixed paths, by path then method: one Map get for the endpoints most requests use. */
const FIXED = new Map<string, Map<string, EndpointRoute>>();
for (const row of ENDPOINT_ROWS) {
  if (isTemplated(row)) continue;
  const byMethod = FIXED.get(row.path) ?? new Map<string, EndpointRoute>();
  byMethod.set(row.method, row);
  FIXED.set(row.path, byMethod);
}
const TEMPLATED = createApiRouter(ENDPOINT_ROWS.filter(isTemplated));

/** What a path and method route to: the row and its path parameters, or the 404 / 405 to answer. */
export function matchEndpoint(
  method: string,
  path: string,
): { readonly route: EndpointRoute; readonly params: Readonly<Record<string, string>> } | RouteMiss {
  const fixed = FIXED.get(path);
  const route = fixed?.get(method);
  if (route) return { route, params: NO_PARAMS };
  const found = TEMPLATED.lookup(method, path);
  if (found instanceof MethodNotAllowedError || (fixed && found instanceof Error)) {
    return new MethodNotAllowedError(method, path);
  }
  if (found instanceof Error) return unknownRoute(method, path);
  const params: Record<string, string> = {};
  for (let i = 0; i < found.paramNames.length; i++) {
    const value = found.rawParams[i] as string;
    const name = found.paramNames[i] as string;
    const pattern = Object.hasOwn(PARAM_PATTERNS, name) ? (PARAM_PATTERNS[name] as RegExp) : PATH_PARAM;
    if (value.length > 256 || !pattern.test(value)) return unknownRoute(method, path);
    params[name] = value;
  }
  return { route: found.route, params };
}

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

function unknownRoute(method: string, path: string): NotFoundError {
  return new NotFoundError(`No route for ${method} ${path}.`, { code: "unknown_route" });
}
