import { ENDPOINT_ROWS, type EndpointRow, isCatchAll, isTemplated } from "../core/endpoints";
import { BadRequestError, MethodNotAllowedError, NotFoundError } from "../core/errors";
import { createApiRouter, type RouteMiss } from "../http/api-router";

/** A data-plane route: the endpoint table's row (shared/core/endpoints.ts) for the path. */
export type EndpointRoute = EndpointRow;

/** The gateway's own health check (`GET`, no key needed). */
export const HEALTH_PATH = "/health";

/**
 * The OpenAI-compatible data-plane routes, in table order: each row's method and path (a template where `{name}`).
 * The catch-all rows are left out: a path below `/v1/` that no table declares already goes to the gateway (the
 * API Gateway resources' fallback, shared/routes.ts).
 */
export const DATA_PLANE_ROUTES: readonly EndpointRoute[] = ENDPOINT_ROWS.filter((row) => !isCatchAll(row));

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
const TEMPLATED = createApiRouter(ENDPOINT_ROWS.filter((row) => isTemplated(row) && !isCatchAll(row)));
/** The catch-all rows by method: any other path below `/v1/` (one Map get, after the declared rows missed). */
const CATCH_ALL = new Map(ENDPOINT_ROWS.filter(isCatchAll).map((row) => [row.method as string, row]));

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

/** Longest path the catch-all forwards. */
const MAX_CATCH_ALL_PATH = 1024;
/**
 * A catch-all path: `/v1/` then segments of ids and slugs, each non-empty and never `.` or `..`. No `%` at all, so
 * no encoded `/`, `\` or dot can change the upstream path after a decode; no `//`, no backslash, no trailing `/`.
 */
const CATCH_ALL_PATH = /^\/v1(?:\/(?!\.{1,2}(?:\/|$))[A-Za-z0-9._~:-]+)+$/;

/** A matched row and the values of its `{name}` path segments. */
export interface EndpointMatch {
  readonly route: EndpointRoute;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * What a path and method route to: the row and its path parameters, or the error to answer (404, 405, or 400
 * `invalid_path` for a catch-all path that could leave `/v1/` upstream). Declared rows win over the catch-all: a
 * path some row declares answers 405 for another method rather than falling through.
 */
export function matchEndpoint(method: string, path: string): EndpointMatch | RouteMiss | BadRequestError {
  const fixed = FIXED.get(path);
  const route = fixed?.get(method);
  if (route) return { route, params: NO_PARAMS };
  const found = TEMPLATED.lookup(method, path);
  if (found instanceof MethodNotAllowedError || (fixed && found instanceof Error)) {
    return new MethodNotAllowedError(method, path);
  }
  if (found instanceof Error) return catchAll(method, path);
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

/** The catch-all row for a path no row declares; its path checked so it stays below `/v1/` upstream too. */
function catchAll(method: string, path: string): EndpointMatch | RouteMiss | BadRequestError {
  if (!path.startsWith("/v1/")) return unknownRoute(method, path);
  const route = CATCH_ALL.get(method);
  if (route === undefined) return new MethodNotAllowedError(method, path);
  if (path.length > MAX_CATCH_ALL_PATH || !CATCH_ALL_PATH.test(path)) {
    return new BadRequestError(
      "The path must be /v1/ followed by segments of letters, digits and ._~:- (no empty, . or .. segment, no %).",
      { code: "invalid_path" },
    );
  }
  return { route, params: NO_PARAMS };
}

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

function unknownRoute(method: string, path: string): NotFoundError {
  return new NotFoundError(`No route for ${method} ${path}.`, { code: "unknown_route" });
}
