import { compileErrors, validate } from "@readme/openapi-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTES } from "../../infra/lib/routes";
import { DECLARED_ROUTES, resourceForPath } from "../../shared/routes";
import { startTestGateway, TEST_ROOT_KEY, type TestGateway } from "../support/local-gateway";

interface ErrorJson {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** The codes the routers answer a path they do not know with (as opposed to a handler's own 404). */
const ROUTER_MISS_CODES = ["route_not_found", "unknown_route"];
const RANGE = "time_of_generation_min=2026-01-01T00:00:00Z&time_of_generation_max=2026-01-02T00:00:00Z";

/** A request path for a route template: `{version}` -> 1, any other `{name}` -> `sample-name`. */
function concrete(template: string): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => (name === "version" ? "1" : `sample-${name}`));
}

describe("admin and analytics APIs on the local runtime", () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  async function call(method: string, path: string, key: string | undefined, body?: unknown) {
    const res = await fetch(`${gateway.url}${path}`, {
      method,
      headers: { ...(key === undefined ? {} : { "x-portkey-api-key": key }), "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, text, json: (text.startsWith("{") ? JSON.parse(text) : {}) as ErrorJson };
  }

  it.each([
    ["GET", "/v1/logs/%E0%A4%A"],
    ["PUT", "/v1/feedback/%E0%A4%A"],
    ["GET", "/v1/analytics/groups/metadata/%E0%A4%A"],
  ])("answers a malformed percent-encoding in %s %s with 400, not 500", async (method, path) => {
    // Act
    const res = await call(method, `${path}?${RANGE}`, gateway.apiKey, method === "PUT" ? { value: 1 } : undefined);
    // Assess
    expect(res.status, res.text).toBe(400);
    expect(res.json.error).toMatchObject({ type: "invalid_request_error", code: "invalid_path" });
  });

  it("keeps answering well-formed ids (a log that does not exist is a 404)", async () => {
    const res = await call("GET", "/v1/logs/0190a7b5-0000-7000-8000-000000000000", gateway.apiKey);
    expect(res.status).toBe(404);
  });

  it.each([
    ["GET", "/v1/api-keys?limit=0", undefined, "limit"],
    ["GET", "/v1/virtual-keys?page_size=abc", undefined, "page_size"],
    ["GET", `/v1/analytics/graphs/cost?${RANGE}&cost_min=-1`, undefined, "cost_min"],
    ["GET", `/v1/analytics/graphs/cost?${RANGE}&granularity=week`, undefined, "granularity"],
    ["GET", "/v1/logs?limit=501", undefined, "limit"],
    ["POST", "/v1/feedback", { trace_id: "t-1", value: 99 }, "value"],
    ["PUT", "/v1/feedback/fb-1", { weight: 2 }, "weight"],
    ["POST", "/v1/admin/workspaces", { name: "" }, "name"],
  ])("answers invalid input to %s %s with 400 naming the field", async (method, path, body, param) => {
    // Prepare: the admin API as root, analytics with the workspace's key (every scope).
    const key = /^\/v1\/(admin|api-keys|virtual-keys)/.test(path) ? TEST_ROOT_KEY : gateway.apiKey;
    // Act
    const res = await call(method, path, key, body);
    // Assess
    expect(res.status, res.text).toBe(400);
    expect(res.json.error).toMatchObject({ type: "invalid_request_error", param });
  });

  it("routes the saved-guardrails API to its handlers", async () => {
    // Act
    const [list, bad, missing] = await Promise.all([
      call("GET", `/v1/guardrails?workspace_id=${gateway.workspaceId}`, TEST_ROOT_KEY),
      call("POST", "/v1/guardrails", TEST_ROOT_KEY, { name: "pii" }),
      call("GET", "/v1/guardrails/pg-1", TEST_ROOT_KEY),
    ]);
    // Assess
    expect(list.status, list.text).toBe(200);
    expect(list.json).toMatchObject({ object: "list", data: [] });
    expect(bad.status, bad.text).toBe(400);
    expect(bad.json.error.param).toBe("checks");
    expect(missing.status, missing.text).toBe(404);
    expect(missing.json.error.code).toBe("guardrail_not_found");
  });

  it("serves a valid OpenAPI 3.1 document of every admin and analytics route, without a key", async () => {
    // Act
    const res = await fetch(`${gateway.url}/v1/openapi.json`);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    const result = await validate(structuredClone(doc) as never);
    // Assess
    expect(res.status).toBe(200);
    expect(result.valid, result.valid ? "" : compileErrors(result)).toBe(true);
    expect(doc.openapi).toBe("3.1.0");
    const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const declared = DECLARED_ROUTES.filter((r) => r.fn !== "gateway").map((r) => `${r.method} ${r.path}`);
    expect(documented.sort()).toEqual(declared.sort());
  });
});

describe("route coverage: the API Gateway resources and the handlers behind them", () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it("routes every declared method and path to the function that declares it", () => {
    const misrouted = DECLARED_ROUTES.filter((r) => resourceForPath(concrete(r.path))?.target !== r.fn);
    expect(misrouted).toEqual([]);
  });

  it("creates no resource that no declared route reaches (no path routed to a 404)", () => {
    const reached = new Set(DECLARED_ROUTES.map((r) => resourceForPath(concrete(r.path))?.path));
    expect(ROUTES.filter((resource) => !reached.has(resource.path))).toEqual([]);
  });

  it("answers every method and path the stack routes with its handler, never the router's 404 or 405", async () => {
    // Act
    const answers = await Promise.all(
      DECLARED_ROUTES.map(async (route) => {
        const key = route.fn === "admin" ? TEST_ROOT_KEY : gateway.apiKey;
        const res = await fetch(`${gateway.url}${concrete(route.path)}?${RANGE}`, {
          method: route.method,
          headers: { "x-portkey-api-key": key, "content-type": "application/json" },
          ...(route.method === "GET" ? {} : { body: "{}" }),
        });
        const text = await res.text();
        const code = text.startsWith("{") ? ((JSON.parse(text) as Partial<ErrorJson>).error?.code ?? null) : null;
        return { route: `${route.method} ${route.path}`, status: res.status, code };
      }),
    );
    // Assess
    const unanswered = answers.filter(
      (a) => a.status === 405 || (a.status === 404 && ROUTER_MISS_CODES.includes(a.code ?? "")),
    );
    expect(unanswered).toEqual([]);
    expect(answers.length).toBeGreaterThan(60);
  });
});
