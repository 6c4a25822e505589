import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../support/local-gateway";

/**
 * The attacker holds a completions-scoped key of a workspace with a budget, and a host of its own (a loopback
 * server here) that answers with whatever usage it likes: negative, huge, or beyond what a double can hold. It
 * must not bend the budget: spend never goes below 0, a reply from the attacker's host is charged at least the
 * request's prompt estimate and at most its reservation, and the budget still ends in a clean 412.
 */

describe("budget bending: a workspace admin key and the limits root set on its workspace", () => {
  let gateway: TestGateway;
  let workspaceId: string;
  let adminKey: string;

  beforeAll(async () => {
    gateway = await startTestGateway();
    const ws = await gateway.admin("POST", "/v1/admin/workspaces", {
      name: "capped",
      usage_limits: { type: "cost", credit_limit: 5, periodic_reset: "monthly" },
      rate_limits: [{ type: "requests", unit: "rpm", value: 60 }],
    });
    workspaceId = String(ws.json.id);
    const key = await gateway.admin("POST", "/v1/api-keys", {
      name: "workspace admin",
      workspace_id: workspaceId,
      scopes: ["admin", "completions"],
    });
    adminKey = String(key.json.key);
  });
  afterAll(() => gateway.stop());

  function asWorkspaceAdmin(body: unknown) {
    return fetch(`${gateway.url}/v1/admin/workspaces/${workspaceId}`, {
      method: "PUT",
      headers: { "x-portkey-api-key": adminKey, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  it.each([
    ["clears the budget", { usage_limits: null }],
    ["raises the budget", { usage_limits: { type: "cost", credit_limit: 5000, periodic_reset: "monthly" } }],
    ["clears the rate limits", { rate_limits: null }],
    ["loosens the rate limits", { rate_limits: [{ type: "requests", unit: "rpm", value: 60000 }] }],
  ])("refuses a workspace admin that %s (403), and leaves the limits as root set them", async (_what, body) => {
    // Act
    const res = await asWorkspaceAdmin({ name: "renamed", ...body });

    // Assess
    expect(res.status).toBe(403);
    const error = ((await res.json()) as { error: Record<string, unknown> }).error;
    expect(error).toMatchObject({ type: "permission_error", code: "root_only_limits" });
    expect(String(error.message)).toMatch(/root/);
    const ws = (await gateway.admin("GET", `/v1/admin/workspaces/${workspaceId}`)).json;
    expect(ws).toMatchObject({
      name: "capped",
      usage_limits: { credit_limit: 5 },
      rate_limits: [{ value: 60 }],
    });
  });

  it("lets a workspace admin change the other fields, and send the limits back unchanged", async () => {
    // Prepare: what a client that read the workspace would send back
    const current = (await gateway.admin("GET", `/v1/admin/workspaces/${workspaceId}`)).json;

    // Act
    const res = await asWorkspaceAdmin({
      name: "renamed by its admin",
      usage_limits: current.usage_limits,
      rate_limits: current.rate_limits,
    });

    // Assess
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ name: "renamed by its admin", usage_limits: { credit_limit: 5 } });
  });

  it("lets the root key change the workspace's limits", async () => {
    const res = await gateway.admin("PUT", `/v1/admin/workspaces/${workspaceId}`, { usage_limits: null });
    expect(res.status).toBe(200);
    expect(res.json.usage_limits).toBeNull();
  });
});
