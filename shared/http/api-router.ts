import type * as z from "zod";
import { BadRequestError, MethodNotAllowedError, NotFoundError } from "../core/errors";
import { MAX_JSON_DEPTH, nestedDeeperThan } from "../core/json-depth";
import type { RouteInput, RouteShape } from "./api-route";
import type { CoreRequest } from "./types";

/** Path parameters are ids, slugs and keys: never empty, never longer than this (after percent-decoding). */
export const MAX_PATH_PARAM_CHARS = 256;

interface Node<R> {
  readonly statics: Map<string, Node<R>>;
  variable?: Node<R>;
  readonly routes: Map<string, R>;
}

export interface RouteMatch<R> {
  readonly route: R;
  /** Raw (still percent-encoded) path parameters; `readRouteInput` decodes and checks them. */
  readonly rawParams: readonly string[];
  /** The template's parameter names, in the same order. */
  readonly paramNames: readonly string[];
}

/** A compiled route table: `find` answers the route for a method and path, or throws 404 / 405. */
/** What the router reads of a route: its method and path template. */
export type RoutedShape = Pick<RouteShape, "path"> & { readonly method: string };

export interface ApiRouter<R extends RoutedShape> {
  readonly routes: readonly R[];
  /** The match, or the error a miss answers: 404 `route_not_found`, or 405 when the path has other methods. */
  lookup(method: string, path: string): RouteMatch<R> | RouteMiss;
  /** `lookup`, with a miss thrown. */
  find(method: string, path: string): RouteMatch<R>;
}

export type RouteMiss = NotFoundError | MethodNotAllowedError;

function newNode<R>(): Node<R> {
  return { statics: new Map(), routes: new Map() };
}

/** `{name}` segments of a path template, in order. */
export function pathParamNames(template: string): string[] {
  return template
    .split("/")
    .filter((s) => s.startsWith("{"))
    .map((s) => s.slice(1, -1));
}

function segmentsOf(path: string): string[] {
  const trimmed = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  return trimmed.split("/").slice(1);
}

/**
 * Builds the router once (cold start): a segment tree where a static segment wins over a `{name}` one. Two routes
 * with the same method and path are a programming error and fail here, not at request time.
 */
export function createApiRouter<R extends RoutedShape>(routes: readonly R[]): ApiRouter<R> {
  const root = newNode<R>();
  const paramNames = new Map<R, readonly string[]>();
  for (const route of routes) {
    paramNames.set(route, pathParamNames(route.path));
    let node = root;
    for (const segment of segmentsOf(route.path)) {
      if (segment.startsWith("{")) {
        node.variable ??= newNode();
        node = node.variable;
      } else {
        let child = node.statics.get(segment);
        if (child === undefined) {
          child = newNode();
          node.statics.set(segment, child);
        }
        node = child;
      }
    }
    if (node.routes.has(route.method)) throw new Error(`Route declared twice: ${route.method} ${route.path}`);
    node.routes.set(route.method, route);
  }

  function walk(node: Node<R>, segments: readonly string[], i: number, params: string[]): Node<R> | undefined {
    if (i === segments.length) return node.routes.size > 0 ? node : undefined;
    const segment = segments[i] as string;
    const byName = node.statics.get(segment);
    const found = byName && walk(byName, segments, i + 1, params);
    if (found) return found;
    if (node.variable === undefined || segment === "") return undefined;
    params.push(segment);
    const viaVariable = walk(node.variable, segments, i + 1, params);
    if (viaVariable) return viaVariable;
    params.pop();
    return undefined;
  }

  function lookup(method: string, path: string): RouteMatch<R> | RouteMiss {
    const params: string[] = [];
    const node = walk(root, segmentsOf(path), 0, params);
    if (node === undefined) return new NotFoundError(`No route for ${method} ${path}.`, { code: "route_not_found" });
    const route = node.routes.get(method);
    if (route === undefined) return new MethodNotAllowedError(method, path);
    return { route, rawParams: params, paramNames: paramNames.get(route) ?? [] };
  }

  return {
    routes,
    lookup,
    find(method, path) {
      const found = lookup(method, path);
      if (found instanceof Error) throw found;
      return found;
    },
  };
}

/** A zod issue as the 400 a client sees: `param` names the field (`scopes.0`), the message says what is wrong. */
export function issueError(issue: z.core.$ZodIssue | undefined, where: "query" | "body"): BadRequestError {
  const param = issue?.path.map(String).join(".") || null;
  const message = issue?.message ?? "invalid value";
  if (param === null) return new BadRequestError(where === "body" ? `body: ${message}` : message);
  return new BadRequestError(message.startsWith(param) ? message : `${param}: ${message}`, { param });
}

/** The query as an object: one value as a string, a repeated parameter as the array of its values. */
export function queryObject(query: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of query) {
    const seen = out[name];
    if (seen === undefined) out[name] = value;
    else out[name] = Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return out;
}

/** Validates a query against a schema; the first problem becomes a 400 naming the parameter. */
export function parseQuery<S extends z.ZodType>(schema: S, query: URLSearchParams): z.output<S> {
  const parsed = schema.safeParse(queryObject(query));
  if (!parsed.success) throw issueError(parsed.error.issues[0], "query");
  return parsed.data;
}

/** Parses a JSON body (empty means `{}`) and validates it; object schemas refuse arrays and scalars up front. */
export function parseJsonBody<S extends z.ZodType>(body: Buffer, schema: S): z.output<S> {
  let value: unknown = {};
  if (body.length > 0) {
    try {
      value = JSON.parse(body.toString("utf8"));
    } catch {
      throw new BadRequestError("Request body must be valid JSON.", { code: "invalid_json" });
    }
  }
  // (the schema's kind, not `instanceof z.ZodObject`: the gateway's router then loads no zod at cold start, ADR 0044)
  if (schema.def.type === "object" && (typeof value !== "object" || value === null || Array.isArray(value))) {
    throw new BadRequestError("Request body must be a JSON object.", { code: "invalid_json" });
  }
  if (nestedDeeperThan(value)) {
    throw new BadRequestError(`Request body is nested more than ${MAX_JSON_DEPTH} levels deep.`, {
      code: "invalid_json",
    });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw issueError(parsed.error.issues[0], "body");
  return parsed.data;
}

function decodeParam(raw: string, name: string): string {
  let value: string;
  try {
    value = decodeURIComponent(raw);
  } catch {
    throw new BadRequestError(`${name} is not a valid percent-encoded path segment.`, {
      param: name,
      code: "invalid_path",
    });
  }
  if (value.length === 0 || value.length > MAX_PATH_PARAM_CHARS) {
    throw new BadRequestError(`${name} must be 1-${MAX_PATH_PARAM_CHARS} characters.`, {
      param: name,
      code: "invalid_path",
    });
  }
  return value;
}

/** Decodes the path parameters and validates the query and body of a matched request (400 on the first problem). */
export function readRouteInput(match: RouteMatch<RouteShape>, req: CoreRequest): RouteInput {
  const { route } = match;
  return {
    params: match.rawParams.map((raw, i) => decodeParam(raw, match.paramNames[i] ?? "path")),
    query: route.query === undefined ? undefined : parseQuery(route.query, req.query),
    body: route.body === undefined ? undefined : parseJsonBody(req.body, route.body),
  };
}
