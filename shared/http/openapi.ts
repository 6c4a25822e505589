import { z } from "zod";
import type { RouteShape } from "./api-route";

/** What the document needs of a route: its shape and who may call it. */
export type DocumentedRoute = RouteShape & { readonly auth: string };

import { MAX_PATH_PARAM_CHARS, pathParamNames } from "./api-router";

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

function jsonSchema(schema: z.ZodType): Json {
  // Input side: what a client sends (a pipe documents its input; transforms are ours to run).
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Json;
  return rest;
}

function parameters(route: RouteShape): Json[] {
  const out: Json[] = pathParamNames(route.path).map((name) => ({
    name,
    in: "path",
    required: true,
    schema: { type: "string", minLength: 1, maxLength: MAX_PATH_PARAM_CHARS },
  }));
  if (route.query === undefined) return out;
  const query = jsonSchema(route.query);
  const required = new Set((query.required as string[] | undefined) ?? []);
  for (const [name, schema] of Object.entries((query.properties as Record<string, Json> | undefined) ?? {})) {
    const { description, ...rest } = schema;
    out.push({
      name,
      in: "query",
      required: required.has(name),
      schema: rest,
      ...(description ? { description } : {}),
    });
  }
  return out;
}

function operation(route: DocumentedRoute): Json {
  const error = { $ref: "#/components/responses/Error" };
  const success = route.notImplemented
    ? {}
    : {
        200: {
          description: "OK",
          content: { [route.produces ?? "application/json"]: { schema: route.produces ? { type: "string" } : {} } },
        },
      };
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    security: route.auth === "public" ? [] : [{ portkeyApiKey: [] }, { bearerKey: [] }],
    ...(route.auth === "public" ? {} : { "x-required-scope": route.auth }),
    parameters: parameters(route),
    ...(route.body === undefined
      ? {}
      : { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(route.body) } } } }),
    responses: { ...success, ...(route.notImplemented ? { 501: error } : {}), "4XX": error, "5XX": error },
  };
}

/**
 * The OpenAPI 3.1 description of a set of routes, generated from the same declarations and zod schemas the router
 * validates with (schemas are JSON Schema 2020-12, which OpenAPI 3.1 uses as is). Build it once and cache it.
 */
export function openApiDocument(
  info: { title: string; version: string; description: string },
  routes: readonly DocumentedRoute[],
): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const item = paths[route.path] ?? {};
    item[route.method.toLowerCase()] = operation(route);
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
