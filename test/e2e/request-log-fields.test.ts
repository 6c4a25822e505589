import { randomUUID } from "node:crypto";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenAIFake, startOpenAIFake } from "../fakes/openai-fake";
import { startTestGateway, type TestGateway } from "../support/local-gateway";

const PROVIDER_KEY = "sk-proj-log-fields-provider-key-0123456789";

type Row = Record<string, unknown>;

/** Every row the local sink wrote so far (after a flush). */
async function loggedRows(gateway: TestGateway): Promise<Row[]> {
  return (await gateway.loggedText())
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Row);
}

/** The row of one trace id; records are written after the response (and after the budget settle), so poll. */
async function rowOf(gateway: TestGateway, traceId: string): Promise<Row> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const row = (await loggedRows(gateway)).find((r) => r.trace_id === traceId && r.kind === "request");
    if (row) return row;
    if (Date.now() > deadline) throw new Error(`no log row for trace ${traceId}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("request log fields against the local runtime", () => {
  let fake: OpenAIFake;
  let gateway: TestGateway;

  beforeAll(async () => {
    fake = await startOpenAIFake({ apiKey: PROVIDER_KEY });
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway.stop();
    await fake.close();
  });

  function client(gatewayKey: string, headers: Record<string, string> = {}): OpenAI {
    return new OpenAI({
      apiKey: PROVIDER_KEY,
      baseURL: `${gateway.url}/v1`,
      maxRetries: 0,
      defaultHeaders: {
        "x-portkey-api-key": gatewayKey,
        "x-portkey-provider": "openai",
        "x-portkey-custom-host": fake.baseUrl,
        ...headers,
      },
    });
  }

  function newKey(workspaceId: string, body: Record<string, unknown> = {}): Promise<string> {
    return gateway.createKey({
      name: `k-${randomUUID().slice(0, 8)}`,
      workspace_id: workspaceId,
      scopes: ["completions"],
      ...body,
    });
  }

  it("logs the real HTTP method: GET for /v1/models, POST for chat", async () => {
    // Prepare
    const getTrace = randomUUID();
    const postTrace = randomUUID();
    // Act
    const models = await client(gateway.apiKey, { "x-portkey-trace-id": getTrace }).models.list();
    await client(gateway.apiKey, { "x-portkey-trace-id": postTrace }).chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
    });
    // Assess
    expect(models.data.length).toBeGreaterThan(0);
    expect(await rowOf(gateway, getTrace)).toMatchObject({ method: "GET", endpoint: "models", status: 200 });
    expect(await rowOf(gateway, postTrace)).toMatchObject({ method: "POST", endpoint: "chat", status: 200 });
  });

  it("fills strategy and each attempt's model and config target for a fallback config", async () => {
    // Prepare: the first target fails with 503, the second answers
    const traceId = randomUUID();
    const config = {
      strategy: { mode: "fallback" },
      targets: [
        { provider: "openai", api_key: PROVIDER_KEY, custom_host: fake.baseUrl, override_params: { model: "gpt-4o" } },
        { provider: "openai", api_key: PROVIDER_KEY, custom_host: fake.baseUrl },
      ],
    };
    fake.enqueueFaults({ kind: "status", status: 503 });
    // Act
    await client(gateway.apiKey, {
      "x-portkey-trace-id": traceId,
      "x-portkey-config": JSON.stringify(config),
    }).chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
    // Assess
    expect(await rowOf(gateway, traceId)).toMatchObject({
      strategy: "fallback",
      last_used_option_index: "config.targets[1]",
      attempts: [
        { provider: "openai", model: "gpt-4o", status: 503, target: "config.targets[0]" },
        { provider: "openai", model: "gpt-4o-mini", status: 200, target: "config.targets[1]", error: null },
      ],
    });
  });

  it("merges the API key's metadata under the request's x-portkey-metadata (the request wins per field)", async () => {
    // Prepare: a key whose metadata are defaults for every request made with it
    const key = await newKey(gateway.workspaceId, { defaults: { metadata: { team: "search", env: "dev" } } });
    const merged = randomUUID();
    const keyOnly = randomUUID();
    // Act
    await client(key, {
      "x-portkey-trace-id": merged,
      "x-portkey-metadata": JSON.stringify({ env: "prod", _user: "ada" }),
    }).chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
    await client(key, { "x-portkey-trace-id": keyOnly }).chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
    });
    // Assess
    expect((await rowOf(gateway, merged)).metadata).toEqual({ team: "search", env: "prod", _user: "ada" });
    expect(await rowOf(gateway, merged)).toMatchObject({ user: "ada" });
    expect((await rowOf(gateway, keyOnly)).metadata).toEqual({ team: "search", env: "dev" });
  });

  it("honours a workspace's log_bodies switch, set through the admin API", async () => {
    // Prepare: a workspace that turns body logging off, and the suite's workspace that keeps the default
    const ws = await gateway.admin("POST", "/v1/admin/workspaces", { name: "quiet" });
    const wsId = String(ws.json.id);
    const update = await gateway.admin("PUT", `/v1/admin/workspaces/${wsId}`, { log_bodies: false });
    const key = await newKey(wsId);
    const quiet = randomUUID();
    const loud = randomUUID();
    // Act
    await client(key, { "x-portkey-trace-id": quiet }).chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "private words" }],
    });
    await client(gateway.apiKey, { "x-portkey-trace-id": loud }).chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "public words" }],
    });
    // Assess
    expect(update.status).toBe(200);
    expect(update.json.log_bodies).toBe(false);
    expect((await gateway.admin("GET", `/v1/admin/workspaces/${wsId}`)).json.log_bodies).toBe(false);
    expect(await rowOf(gateway, quiet)).toMatchObject({ request_body: null, response_body: null, status: 200 });
    expect(String((await rowOf(gateway, loud)).request_body)).toContain("public words");
  });

  it("refuses a log_bodies that is not a boolean with a 400 naming the field", async () => {
    const res = await gateway.admin("PUT", `/v1/admin/workspaces/${gateway.workspaceId}`, { log_bodies: "no" });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ type: "invalid_request_error", param: "log_bodies" });
  });

  it("records the budget settle and the alert-threshold crossing in the log record", async () => {
    // Prepare: a virtual key with a cost budget whose alert threshold the first request crosses
    const slug = await gateway.createVirtualKey({
      name: "alerting",
      key: PROVIDER_KEY,
      custom_host: fake.baseUrl,
      usage_limits: { type: "cost", credit_limit: 1, periodic_reset: "none", alert_threshold: 0.000001 },
    });
    const app = new OpenAI({ apiKey: gateway.apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const chat = (traceId: string) =>
      app.chat.completions.create(
        { model: `@${slug}/gpt-4o-mini`, max_tokens: 20, messages: [{ role: "user", content: "hello there" }] },
        { headers: { "x-portkey-trace-id": traceId } },
      );
    const first = randomUUID();
    const second = randomUUID();
    const failed = randomUUID();
    const plain = randomUUID();
    // Act
    await chat(first);
    const firstRow = await rowOf(gateway, first);
    await chat(second);
    fake.enqueueFaults({ kind: "status", status: 400 });
    await chat(failed).catch((e: unknown) => e);
    await client(gateway.apiKey, { "x-portkey-trace-id": plain }).chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "no budget here" }],
    });
    // Assess
    expect(firstRow).toMatchObject({
      budget_outcome: "settled",
      budget_alert_crossed: true,
      budget_settlements: [{ scope: `virtual_key:${slug}`, type: "cost", applied: true, alert_crossed: true }],
    });
    expect(Number(firstRow.budget_settled_usd)).toBeGreaterThan(0);
    expect(Number(firstRow.budget_settled_usd)).toBeLessThanOrEqual(Number(firstRow.budget_reserved_usd));
    const secondRow = await rowOf(gateway, second);
    expect(secondRow).toMatchObject({ budget_outcome: "settled", budget_alert_crossed: false });
    expect((secondRow.budget_settlements as Row[])[0]?.alert_crossed).toBe(false);
    expect(await rowOf(gateway, failed)).toMatchObject({ status: 400, budget_outcome: "released" });
    // a request without any budget carries none of it
    // the log detail API shows the settle too
    await gateway.analyticsEngine.refresh();
    const detail = await fetch(`${gateway.url}/v1/logs/${String(firstRow.id)}`, {
      headers: { "x-portkey-api-key": gateway.apiKey },
    });
    expect(await detail.json()).toMatchObject({
      budget_outcome: "settled",
      budget_alert_crossed: true,
      budget_settlements: [{ scope: `virtual_key:${slug}`, alert_crossed: true }],
    });
    expect(await rowOf(gateway, plain)).toMatchObject({
      budget_outcome: null,
      budget_settlements: null,
      budget_reserved_usd: null,
    });
  });
});
