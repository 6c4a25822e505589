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

/** Fixed paths, by path then method: one Map get for the endpoints most requests use. */
const FIXED = new Map<string, Map<string, EndpointRoute>>();
for (const row of ENDPOINT_ROWS) {
  if (isTemplated(row)) continue;
  const byMethod = FIXED.get(row.path) ?? new Map<string, EndpointRoute>();
  byMethod.set(row.method, row);
  FIXED.set(row.path, byMethod);
}
const TEMPLATED = createApiRouter(ENDPOINT_ROWS.filter(isTemplated));

/**
 * The API whose error shape a request to `path` gets when it fails before it is routed (refused on its headers, a
 * body too large): the row's `api` for a fixed path (`anthropic` on /v1/messages), else OpenAI's (undefined).
 */
export function errorApiOfPath(path: string): EndpointRoute["api"] {
  const byMethod = FIXED.get(path);
  if (!byMethod) return undefined;
  for (const row of byMethod.values()) if (row.api) return row.api;
  return undefined;
}

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
    if (!PATH_PARAM.test(value)) return unknownRoute(method, path);
    params[found.paramNames[i] as string] = value;
  }
  return { route: found.route, params };
}

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

function unknownRoute(method: string, path: string): NotFoundError {
  return new NotFoundError(`No route for ${method} ${path}.`, { code: "unknown_route" });
}
