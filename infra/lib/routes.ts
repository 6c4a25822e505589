import type { FunctionName } from "./node-function";

/**
 * The API's route table, as data: a path (API Gateway resource syntax) and the function behind it. Every route
 * accepts ANY method; the function answers 404/405 itself. API Gateway picks the most specific resource, so the
 * `/v1/{proxy+}` catch-all only gets what no control-plane or analytics route claims.
 *
 * API Gateway allows one variable child per resource, so the prompt routes use `{id}` for the prompt id and
 * `{id}/{proxy+}` for the rest (versions, makeDefault, partials...), with `render` and `completions` as static
 * siblings that belong to the data plane.
 */
export interface Route {
  readonly path: string;
  readonly target: FunctionName;
}

function withProxy(path: string, target: FunctionName): Route[] {
  return [
    { path, target },
    { path: `${path}/{proxy+}`, target },
  ];
}

export const ROUTES: readonly Route[] = [
  // Data plane (streaming integration).
  { path: "/health", target: "gateway" },
  { path: "/v1/{proxy+}", target: "gateway" },
  { path: "/v1/prompts/{id}/completions", target: "gateway" },
  { path: "/v1/prompts/{id}/render", target: "gateway" },
  // Control plane.
  { path: "/v1/admin/{proxy+}", target: "admin" },
  ...withProxy("/v1/virtual-keys", "admin"),
  ...withProxy("/v1/configs", "admin"),
  { path: "/v1/prompts", target: "admin" },
  { path: "/v1/prompts/{id}", target: "admin" },
  { path: "/v1/prompts/{id}/{proxy+}", target: "admin" },
  ...withProxy("/v1/api-keys", "admin"),
  ...withProxy("/v1/guardrails", "admin"),
  ...withProxy("/v1/usage", "admin"),
  // Analytics.
  ...withProxy("/v1/logs", "analytics"),
  { path: "/v1/analytics/{proxy+}", target: "analytics" },
  ...withProxy("/v1/feedback", "analytics"),
  ...withProxy("/dashboard", "analytics"),
];
