import OpenAI from "openai";
import { Portkey } from "portkey-ai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type OpenAIFake, startOpenAIFake } from "../fakes/openai-fake";
import { startTestGateway, type TestGateway } from "../support/local-gateway";

/**
 * Saved guardrails end to end: an operator saves a guardrail and a config naming it with the unmodified
 * `portkey-ai` SDK; apps then get checked completions through the `openai` SDK, with the verdicts in
 * `hook_results` and in the request log. References are checked when the config is saved and when it is used.
 */
const KEY = "sk-saved-guardrails-test";
const NO_SECRETS = [{ id: "default.contains", parameters: { words: ["password"], operator: "none" } }];

let fake: OpenAIFake;
let gateway: TestGateway;
let admin: Portkey;

function openai(config: string | Record<string, unknown>): OpenAI {
  return new OpenAI({
    apiKey: "unused",
    baseURL: `${gateway.url}/v1`,
    maxRetries: 0,
    defaultHeaders: {
      "x-portkey-api-key": gateway.apiKey,
      "x-portkey-config": typeof config === "string" ? config : JSON.stringify(config),
    },
  });
}

function target(hooks: Record<string, unknown>): Record<string, unknown> {
  return { provider: "openai", api_key: KEY, custom_host: fake.baseUrl, ...hooks };
}

function ask(content: string) {
  return { model: "gpt-4o-mini", messages: [{ role: "user" as const, content }] };
}

async function saveGuardrail(name: string, deny: boolean): Promise<string> {
  const created = await admin.guardrails.create({
    name,
    checks: NO_SECRETS,
    actions: { deny, async: false, on_fail: { feedback: { value: -1, weight: 1 } } },
  } as unknown as Parameters<Portkey["guardrails"]["create"]>[0]);
  return String(created.id);
}

type HookResults = { hook_results?: { before_request_hooks: { id: string; verdict: boolean }[] } };

beforeAll(async () => {
  fake = await startOpenAIFake({ apiKey: KEY, reply: () => "fine" });
  gateway = await startTestGateway();
  admin = new Portkey({ apiKey: gateway.apiKey, baseURL: `${gateway.url}/v1` });
});
afterAll(async () => {
  await gateway.stop();
  await fake.close();
});
beforeEach(() => fake.reset());

describe("saved guardrails through the portkey-ai SDK", () => {
  it("creates, lists, retrieves, versions and deletes a guardrail in Portkey's shapes", async () => {
    // Act
    const id = await saveGuardrail("No secrets", true);
    const listed = await admin.guardrails.list();
    const updated = await admin.guardrails.update({ guardrail_id: id, name: "No secrets v2" });
    const retrieved = await admin.guardrails.retrieve({ guardrail_id: id });
    const first = await gateway.admin("GET", `/v1/guardrails/${id}?version=1`);
    await admin.guardrails.delete({ guardrail_id: id });
    const gone = await admin.guardrails.retrieve({ guardrail_id: id }).catch((err: unknown) => err);

    // Assess
    expect(id).toMatch(/^pg-no-secrets-[0-9a-f]{6}$/);
    expect(listed.data.map((g) => g.id)).toContain(id);
    expect(updated).toMatchObject({ id, slug: id, version_id: "2" });
    expect(retrieved).toMatchObject({
      id,
      name: "No secrets v2",
      status: "active",
      checks: NO_SECRETS,
      actions: { deny: true, async: false },
      object: "guardrail",
    });
    expect(first.json).toMatchObject({ name: "No secrets", version: 1 });
    expect(gone).toMatchObject({ status: 404 });
  });

  it("refuses a guardrail whose checks the gateway could not run, naming the parameter", async () => {
    // Act
    const res = await gateway.admin("POST", "/v1/guardrails", {
      workspace_id: gateway.workspaceId,
      name: "bad",
      checks: [{ id: "default.contains", parameters: { words: ["x"], operator: "sometimes" } }],
    });
    const unknown = await gateway.admin("POST", "/v1/guardrails", {
      workspace_id: gateway.workspaceId,
      name: "bad",
      checks: [{ id: "default.nope" }],
    });

    // Assess
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: "invalid_guardrail", param: "checks[0].parameters.operator" });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toMatchObject({ code: "invalid_guardrail", param: "checks[0].id" });
  });
});

describe("configs naming saved guardrails", () => {
  it("checks completions with a saved config's guardrail: 446 on deny, hook_results and log verdicts otherwise", async () => {
    // Prepare: an operator saves a guardrail and a config naming it
    const guardrail = await saveGuardrail("Deny secrets", true);
    const config = await admin.configs.create({
      name: "guarded",
      config: target({ before_request_hooks: [{ id: guardrail }] }),
    });
    const app = openai(String(config.id));
    const traceId = `saved-guardrail-${Date.now()}`;

    // Act
    const denied = await app.chat.completions.create(ask("my password is hunter2")).catch((err: unknown) => err);
    const passed = await app.chat.completions.create(ask("hello"), { headers: { "x-portkey-trace-id": traceId } });

    // Assess
    expect(denied).toBeInstanceOf(OpenAI.APIError);
    expect((denied as InstanceType<typeof OpenAI.APIError>).status).toBe(446);
    const raw = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-portkey-api-key": gateway.apiKey,
        "x-portkey-config": String(config.id),
      },
      body: JSON.stringify(ask("password?")),
    });
    expect(raw.status).toBe(446);
    expect(((await raw.json()) as HookResults).hook_results?.before_request_hooks).toMatchObject([
      { id: guardrail, verdict: false },
    ]);
    expect(fake.requests).toHaveLength(1);
    expect((passed as unknown as HookResults).hook_results?.before_request_hooks).toMatchObject([
      { id: guardrail, verdict: true },
    ]);
    await gateway.logSink.flush();
    await gateway.analyticsEngine.refresh();
    const headers = { "x-portkey-api-key": gateway.apiKey };
    const list = (await (await fetch(`${gateway.url}/v1/logs?trace_id=${traceId}`, { headers })).json()) as {
      data: { id: string }[];
    };
    const detail = (await (await fetch(`${gateway.url}/v1/logs/${list.data[0]?.id}`, { headers })).json()) as {
      guardrails: unknown[];
    };
    expect(detail.guardrails).toEqual([
      { id: guardrail, phase: "before_request", verdict: true, action: "allow", latency_ms: expect.any(Number) },
    ]);
  });

  it("runs Portkey's shorthand input_guardrails: [id] in an inline config, and an update applies at once", async () => {
    // Prepare: a flagging (not denying) guardrail
    const guardrail = await saveGuardrail("Flag secrets", false);
    const app = openai(target({ input_guardrails: [guardrail] }));

    // Act
    const before = await app.chat.completions.create(ask("password")).withResponse();
    await admin.guardrails.update({ guardrail_id: guardrail, actions: { deny: true } } as never);
    const after = await app.chat.completions.create(ask("password")).catch((err: unknown) => err);

    // Assess
    expect(before.response.status).toBe(246);
    expect(after).toMatchObject({ status: 446 });
  });

  it("refuses to save a config naming a missing guardrail, with a 400 naming the param", async () => {
    // Act
    const res = await gateway.admin("POST", "/v1/configs", {
      workspace_id: gateway.workspaceId,
      name: "dangling",
      config: target({ after_request_hooks: [{ id: "pg-does-not-exist-000000" }] }),
    });
    const shorthand = await gateway.admin("POST", "/v1/configs", {
      workspace_id: gateway.workspaceId,
      name: "dangling",
      config: { strategy: { mode: "fallback" }, targets: [target({ input_guardrails: ["pg-nope"] })] },
    });

    // Assess
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: "invalid_config", param: "config.after_request_hooks[0].id" });
    expect(shorthand.status).toBe(400);
    expect(shorthand.json.error).toMatchObject({ param: "config.targets[0].input_guardrails[0]" });
  });

  it("answers 400 for a config whose guardrail was deleted since, never running the request unguarded", async () => {
    // Prepare
    const guardrail = await saveGuardrail("Soon gone", true);
    const config = await admin.configs.create({
      name: "orphan",
      config: target({ before_request_hooks: [{ id: guardrail }] }),
    });
    const app = openai(String(config.id));
    await app.chat.completions.create(ask("hello"));
    await admin.guardrails.delete({ guardrail_id: guardrail });

    // Act
    const err = await app.chat.completions.create(ask("hello")).catch((e: unknown) => e);
    const inline = await openai(target({ input_guardrails: [guardrail] }))
      .chat.completions.create(ask("hello"))
      .catch((e: unknown) => e);

    // Assess
    expect(err).toMatchObject({ status: 400, code: "invalid_config", param: "config.before_request_hooks[0].id" });
    expect(inline).toMatchObject({ status: 400, param: "config.input_guardrails[0]" });
    expect(fake.requests).toHaveLength(1);
  });
});
