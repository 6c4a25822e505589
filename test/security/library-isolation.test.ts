import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenAIFake, startOpenAIFake } from "../fakes/openai-fake";
import { startTestGateway, type TestGateway } from "../support/local-gateway";

/**
 * The saved library (guardrails, prompt partials) is per workspace: another workspace's objects are invisible to
 * its admin key (404, never 403 or data) and cannot be named from its configs or templates (400, as if absent).
 * The attacker holds an admin key of workspace B and knows the ids of workspace A's objects.
 */
let gateway: TestGateway;
let upstream: OpenAIFake;
let victimGuardrail: string;
let attackerAdmin: string;
let attackerCompletions: string;

async function call(key: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${gateway.url}${path}`, {
    method,
    headers: { "x-portkey-api-key": key, "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as { error?: { code?: string; param?: string } } };
}

beforeAll(async () => {
  upstream = await startOpenAIFake({ reply: () => "ok" });
  gateway = await startTestGateway();
  const created = await gateway.admin("POST", "/v1/guardrails", {
    workspace_id: gateway.workspaceId,
    name: "victim",
    checks: [{ id: "default.contains", parameters: { words: ["x"] } }],
    actions: { deny: true },
  });
  victimGuardrail = String(created.json.id);
  const other = await gateway.createWorkspace({ name: "attacker" });
  attackerAdmin = await gateway.createKey({ name: "attacker admin", scopes: ["admin"], workspace_id: other });
  attackerCompletions = await gateway.createKey({ name: "attacker", scopes: ["completions"], workspace_id: other });
});
afterAll(async () => {
  await gateway.stop();
  await upstream.close();
});

describe("saved guardrails across workspaces", () => {
  it("answers 404 to another workspace's admin key for every operation on a guardrail", async () => {
    // Act
    const answers = await Promise.all([
      call(attackerAdmin, "GET", `/v1/guardrails/${victimGuardrail}`),
      call(attackerAdmin, "GET", `/v1/guardrails/${victimGuardrail}?version=1`),
      call(attackerAdmin, "PUT", `/v1/guardrails/${victimGuardrail}`, { actions: { deny: false } }),
      call(attackerAdmin, "DELETE", `/v1/guardrails/${victimGuardrail}`),
    ]);
    const listed = await call(attackerAdmin, "GET", "/v1/guardrails");

    // Assess
    for (const res of answers)
      expect(res).toMatchObject({ status: 404, json: { error: { code: "guardrail_not_found" } } });
    expect(listed.json).toMatchObject({ data: [] });
    const still = await gateway.admin("GET", `/v1/guardrails/${victimGuardrail}`);
    expect(still.json).toMatchObject({ version: 1, actions: { deny: true } });
  });

  it("refuses a config naming another workspace's guardrail, when saved and when sent inline", async () => {
    // Prepare
    const target = { provider: "openai", api_key: "sk-x", custom_host: upstream.baseUrl };

    // Act
    const saved = await call(attackerAdmin, "POST", "/v1/configs", {
      name: "borrowed",
      config: { ...target, before_request_hooks: [{ id: victimGuardrail }] },
    });
    const inline = await call(
      attackerCompletions,
      "POST",
      "/v1/chat/completions",
      { model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] },
      { "x-portkey-config": JSON.stringify({ ...target, output_guardrails: [victimGuardrail] }) },
    );

    // Assess: both look exactly like a guardrail that does not exist
    expect(saved).toMatchObject({ status: 400, json: { error: { param: "config.before_request_hooks[0].id" } } });
    expect(inline).toMatchObject({ status: 400, json: { error: { param: "config.output_guardrails[0]" } } });
    expect(upstream.requests).toHaveLength(0);
  });
});

describe("prompt partials across workspaces", () => {
  it("hides a partial from another workspace (404) and refuses to include it (400, as if absent)", async () => {
    // Prepare
    const created = await gateway.admin("POST", "/v1/prompts/partials", {
      workspace_id: gateway.workspaceId,
      name: "victim partial",
      string: "secret instructions",
    });
    const partial = String(created.json.id);

    // Act
    const read = await call(attackerAdmin, "GET", `/v1/prompts/partials/${partial}`);
    const write = await call(attackerAdmin, "PUT", `/v1/prompts/partials/${partial}`, { string: "pwned" });
    const include = await call(attackerAdmin, "POST", "/v1/prompts", {
      name: "borrow",
      string: `{{> ${partial}}}`,
      parameters: {},
    });
    const ownPartial = await call(attackerAdmin, "POST", "/v1/prompts/partials", {
      name: "mine",
      string: `{{> ${partial}}}`,
    });

    // Assess
    expect(read).toMatchObject({ status: 404, json: { error: { code: "partial_not_found" } } });
    expect(write.status).toBe(404);
    expect(include).toMatchObject({ status: 400, json: { error: { code: "partial_not_found" } } });
    expect(ownPartial).toMatchObject({ status: 400, json: { error: { code: "partial_not_found" } } });
    const still = await gateway.admin("GET", `/v1/prompts/partials/${partial}`);
    expect(still.json).toMatchObject({ string: "secret instructions", version: 1 });
  });
});
