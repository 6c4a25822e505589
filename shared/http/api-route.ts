import type { z } from "zod";
import type { Scope } from "../core/principal";
import type { CoreRequest, CoreResponse } from "./types";

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

/** What the router hands a handler after validating it against the route's schemas. */
export interface RouteInput<Q = unknown, B = unknown> {
  /** Path parameters, percent-decoded, in the order of the template's `{name}` segments. */
  readonly params: readonly string[];
  /** The query as the route's `query` schema outputs it (undefined when the route declares none). */
  readonly query: Q;
  /** The JSON body as the route's `body` schema outputs it (undefined when the route declares none). */
  readonly body: B;
}

/** The documented half of a route: what the router matches and validates and what the OpenAPI document lists. */
export interface RouteShape {
  readonly method: HttpMethod;
  /** OpenAPI path template, e.g. `/v1/api-keys/{id}`; a `{name}` segment matches one non-empty path segment. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  /** OpenAPI tag (the resource family). */
  readonly tag: string;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  /** Declared (so it is routed and documented) but answered with 501 until it exists. */
  readonly notImplemented?: true;
  /** Media type of a successful answer; JSON unless said otherwise. */
  readonly produces?: "text/html";
}

/** A route that needs a key with `auth` (the root key has every scope); its handler gets the caller's context. */
export interface AuthenticatedRoute<Ctx> extends RouteShape {
  readonly auth: Scope;
  readonly handle: (ctx: Ctx & RouteInput) => Promise<CoreResponse>;
}

/** A route anyone may call (health, the API description): it must answer no data of any workspace. */
export interface PublicRoute extends RouteShape {
  readonly auth: "public";
  readonly handle: (req: CoreRequest) => Promise<CoreResponse>;
}

/** One operation of the admin or analytics API: declared once, read by the router, the OpenAPI document and CDK. */
export type ApiRoute<Ctx> = AuthenticatedRoute<Ctx> | PublicRoute;

interface TypedRoute<Ctx, Q, B> extends Omit<RouteShape, "query" | "body"> {
  readonly auth: Scope;
  readonly query?: z.ZodType<Q>;
  readonly body?: z.ZodType<B>;
  readonly handle: (ctx: Ctx & RouteInput<Q, B>) => Promise<CoreResponse>;
}

/**
 * Route builders for one function's context. `route` ties the handler's `query`/`body` types to the schemas it
 * declares (`z.infer`), so a handler cannot expect a shape its route does not validate.
 */
export function routeBuilders<Ctx>() {
  return {
    route<Q = undefined, B = undefined>(def: TypedRoute<Ctx, Q, B>): ApiRoute<Ctx> {
      // Sound: the router passes `query`/`body` only as these very schemas output them.
      return def as unknown as AuthenticatedRoute<Ctx>;
    },
    publicRoute(def: Omit<PublicRoute, "auth">): ApiRoute<Ctx> {
      return { ...def, auth: "public" };
    },
  };
}
