import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_FUNCTION_ROUTES } from "../../shared/admin/admin-core";
import { ANALYTICS_ROUTES } from "../../shared/analytics/analytics-core";
import { startTestGateway, type TestGateway } from "../support/local-gateway";

/**
 * The attacker holds a completions-scoped gateway key and walks the admin and analytics route tables (which
 * `GET /v1/openapi.json` publishes): every route that is not public must refuse the key, whatever the method, path
 * parameters, query or body, before any handler or validation runs; the public ones must hold no data.
 */
const PUBLIC = [
  "GET /v1/admin/health",
  "GET /v1/openapi.json",
  "GET /v1/analytics/health",
  "GET /dashboard",
  "GET /dashboard/assets/{file}",
];

const routes = [...ADMIN_FUNCTION_ROUTES, ...ANALYTICS_ROUTES];

function concrete(template: string): string {
  return template.replace(/\{(\w+)\}/g, "%E0%A4%A"); // malformed percent-encoding, too: auth comes first
}

describe("route scopes: a completions-scoped key against the admin and analytics tables", () => {
  let gateway: TestGateway;
  let completionsKey: string;

  beforeAll(async () => {
    gateway = await startTestGateway();
    completionsKey = await gateway.createKey({ name: "app only", scopes: ["completions"] });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it("exposes exactly the health checks, the API description and the dashboard page without a key", () => {
    const open = routes.filter((r) => r.auth === "public").map((r) => `${r.method} ${r.path}`);
    expect(open.sort()).toEqual([...PUBLIC].sort());
  });

  it("answers every other route with 403 permission_error, never data, a 4xx of the handler or a 500", async () => {
    // Act
    const answers = await Promise.all(
      routes
        .filter((r) => r.auth !== "public")
        .map(async (r) => {
          const res = await fetch(`${gateway.url}${concrete(r.path)}?workspace_id=${gateway.workspaceId}&limit=0`, {
            method: r.method,
            headers: { authorization: `Bearer ${completionsKey}`, "content-type": "application/json" },
            ...(r.method === "GET" ? {} : { body: '{"name":"x","scopes":["admin"],"value":1}' }),
          });
          const body = (await res.json()) as { error?: { type?: string } };
          return { route: `${r.method} ${r.path}`, status: res.status, type: body.error?.type };
        }),
    );
    // Assess
    const leaks = answers.filter((a) => a.status !== 403 || a.type !== "permission_error");
    expect(leaks).toEqual([]);
    expect(answers.length).toBeGreaterThan(80);
  });

  it("keeps the public routes free of workspace data", async () => {
    // Act
    const bodies = await Promise.all(
      PUBLIC.map((r) => fetch(`${gateway.url}${r.split(" ")[1]}`).then((res) => res.text())),
    );
    // Assess
    for (const body of bodies) {
      expect(body).not.toContain(gateway.workspaceId);
      expect(body).not.toContain(completionsKey);
      expect(body).not.toMatch(/pk-gw-[0-9a-f]{16}\./);
    }
  });
});
