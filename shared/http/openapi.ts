import * as z from "zod";
import type { RouteShape } from "./api-route";
import { MAX_PATH_PARAM_CHARS, pathParamNames } from "./api-router";

/** What the document needs of a route: its shape and who may call it. */
export type DocumentedRoute = RouteShape & { readonly auth: string };

type Json = Record<string, unknown>;

const ERROR_SCHEMA = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["message", "type", "param", "code"],
      properties: {
        message: { type: "string" },
        type: { type: "string" },
        param: { type: ["string", "null"] },
        code: { type: ["string", "null"] },
      },
    },
  },
};

const ERROR_RESPONSE = { $ref: "#/components/responses/Error" };

function jsonSchema(schema: z.ZodType): Json {
  // The input side: what a client sends (a pipe documents its input; its transforms are the server's business).
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Json;
  return rest;
}

/**
 * Query parameters are shared as `components.parameters` (the analytics filters appear on every graph): a
 * parameter name with one definition gets one component; a name defined differently by two routes is inlined.
 */
class ParameterCatalog {
  private readonly bySchema = new Map<z.ZodType, Json[]>();
  private readonly byName = new Map<string, { json: string; param: Json; uses: number }>();
  private readonly conflicting = new Set<string>();

  queryParameters(schema: z.ZodType): Json[] {
    let params = this.bySchema.get(schema);
    if (params === undefined) {
      const query = jsonSchema(schema);
      const required = new Set((query.required as string[] | undefined) ?? []);
      const properties = (query.properties as Record<string, Json> | undefined) ?? {};
      params = Object.entries(properties).map(([name, { description, ...rest }]) => ({
        name,
        in: "query",
        required: required.has(name),
        schema: rest,
        ...(description ? { description } : {}),
      }));
      this.bySchema.set(schema, params);
    }
    for (const param of params) this.count(param);
    return params;
  }

  private count(param: Json): void {
    const name = String(param.name);
    const json = JSON.stringify(param);
    const seen = this.byName.get(name);
    if (seen === undefined) this.byName.set(name, { json, param, uses: 1 });
    else if (seen.json === json) seen.uses++;
    else this.conflicting.add(name);
  }

  /** A reference for a parameter used by several routes with one definition; the parameter itself otherwise. */
  refOrInline(param: Json): Json {
    const name = String(param.name);
    const seen = this.byName.get(name);
    if (this.conflicting.has(name) || seen === undefined || seen.uses < 2) return param;
    return { $ref: `#/components/parameters/${name}` };
  }

  components(): Record<string, Json> {
    const out: Record<string, Json> = {};
    for (const [name, seen] of this.byName) {
      if (!this.conflicting.has(name) && seen.uses >= 2) out[name] = seen.param;
    }
    return out;
  }
}

function operation(route: DocumentedRoute, query: Json[], bodySchema: Json | undefined): Json {
  const pathParams = pathParamNames(route.path).map((name) => ({
    name,
    in: "path",
    required: true,
    schema: { type: "string", minLength: 1, maxLength: MAX_PATH_PARAM_CHARS },
  }));
  const media = route.produces ?? "application/json";
  const success = route.notImplemented
    ? { 501: ERROR_RESPONSE }
    : { 200: { description: "OK", content: { [media]: { schema: route.produces ? { type: "string" } : {} } } } };
  const isPublic = route.auth === "public";
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    security: isPublic ? [] : [{ portkeyApiKey: [] }, { bearerKey: [] }],
    ...(isPublic ? {} : { "x-required-scope": route.auth }),
    parameters: [...pathParams, ...query],
    ...(bodySchema === undefined
      ? {}
      : { requestBody: { required: true, content: { "application/json": { schema: bodySchema } } } }),
    responses: { ...success, "4XX": ERROR_RESPONSE, "5XX": ERROR_RESPONSE },
  };
}

/**
 * The OpenAPI 3.1 description of a set of routes, generated from the same declarations and zod schemas the router
 * validates with (zod emits JSON Schema 2020-12, which OpenAPI 3.1 uses as is). Build it once and keep it.
 */
export function openApiDocument(
  info: { title: string; version: string; description: string },
  routes: readonly DocumentedRoute[],
): Json {
  const catalog = new ParameterCatalog();
  const bodies = new Map<z.ZodType, Json>();
  const prepared = routes.map((route) => {
    const query = route.query === undefined ? [] : catalog.queryParameters(route.query);
    let body: Json | undefined;
    if (route.body !== undefined) {
      body = bodies.get(route.body) ?? jsonSchema(route.body);
      bodies.set(route.body, body);
    }
    return { route, query, body };
  });
  const paths: Record<string, Json> = {};
  for (const { route, query, body } of prepared) {
    const item = paths[route.path] ?? {};
    item[route.method.toLowerCase()] = operation(
      route,
      query.map((param) => catalog.refOrInline(param)),
      body,
    );
    paths[route.path] = item;
  }
  return {
    openapi: "3.1.0",
    info,
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        portkeyApiKey: { type: "apiKey", in: "header", name: "x-portkey-api-key" },
        bearerKey: { type: "http", scheme: "bearer" },
      },
      parameters: catalog.components(),
      schemas: { Error: ERROR_SCHEMA },
      responses: {
        Error: {
          description: 'An error in OpenAI\'s shape: {"error":{"message","type","param","code"}}.',
          content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
        },
      },
    },
  };
}
