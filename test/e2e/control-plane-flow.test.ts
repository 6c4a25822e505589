import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenAIFake, startOpenAIFake } from "../fakes/openai-fake";
import { startTestGateway, type TestGateway } from "../support/local-gateway";

const PROVIDER_SECRET = "sk-proj-provider-secret-do-not-leak-9f8e7d";

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out;
}

describe("operator flow: root key -> workspace, API key, virtual key -> app gets completions", () => {
  let fake: OpenAIFake;
  let gateway: TestGateway;
  let appKey: string;
  let slug: string;
  let app: OpenAI;
  const seen: string[] = [];

  beforeAll(async () => {
    fake = await startOpenAIFake({ apiKey: PROVIDER_SECRET });
    gateway = await startTestGateway();
    // Prepare: the operator, with only the root key, sets up a team.
    const ws = await gateway.admin("POST", "/v1/admin/workspaces", { name: "team-b" });
    const key = await gateway.admin("POST", "/v1/api-keys", {
      name: "team-b app",
      workspace_id: ws.json.id,
      scopes: ["completions", "logs"],
    });
    const vk = await gateway.admin("POST", "/v1/virtual-keys", {
      name: "openai main",
      provider: "openai",
      key: PROVIDER_SECRET,
      custom_host: fake.baseUrl,
      workspace_id: ws.json.id,
    });
    expect(vk.status).toBeLessThan(300);
    appKey = String(key.json.key);
    slug = String(vk.json.slug);
    seen.push(JSON.stringify(vk.json), JSON.stringify(key.json));
    // The app holds only its gateway key: the OpenAI SDK sends it as the Bearer token.
    app = new OpenAI({ apiKey: appKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await gateway.stop();
    await fake.close();
  });

  it("answers `model: @<virtual-key>/<model>` with the provider key from the virtual key", async () => {
    const res = await app.chat.completions.create({
      model: `@${slug}/gpt-4o-mini`,
      messages: [{ role: "user", content: "hello vk" }],
    });
    expect(res.choices[0]?.message.content).toBe("You said: hello vk");
    const upstream = fake.requests.at(-1);
    expect(upstream?.headers.authorization).toBe(`Bearer ${PROVIDER_SECRET}`);
    expect(upstream?.json()).toMatchObject({ model: "gpt-4o-mini" });
    seen.push(JSON.stringify(res));
  });

  it("streams through x-portkey-virtual-key", async () => {
    const stream = await app.chat.completions.create(
      { model: "gpt-4o-mini", messages: [{ role: "user", content: "one two" }], stream: true },
      { headers: { "x-portkey-virtual-key": slug } },
    );
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("You said: one two");
  });

  it("runs a saved config (fallback over virtual keys) by id, scoped to the workspace", async () => {
    // Prepare: a virtual key whose upstream is down, and a saved fallback config over both keys
    const wsId = String((await gateway.admin("GET", `/v1/virtual-keys/${slug}`)).json.workspace_id ?? "");
    const downSlug = await gateway.createVirtualKey({
      name: "openai down",
      key: "sk-unused",
      custom_host: "http://127.0.0.1:9/v1",
      workspace_id: wsId,
    });
    const saved = await gateway.admin("POST", "/v1/configs", {
      name: "resilient",
      workspace_id: wsId,
      config: { strategy: { mode: "fallback" }, targets: [{ virtual_key: downSlug }, { virtual_key: slug }] },
    });
    expect(saved.status).toBeLessThan(300);

    // Act
    const { data, response } = await app.chat.completions
      .create(
        { model: "gpt-4o-mini", messages: [{ role: "user", content: "saved config" }] },
        { headers: { "x-portkey-config": String(saved.json.id) } },
      )
      .withResponse();

    // Assess
    expect(data.choices[0]?.message.content).toBe("You said: saved config");
    expect(response.headers.get("x-portkey-last-used-option-index")).toBe("config.targets[1]");
    const foreign = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-portkey-api-key": gateway.apiKey,
        "x-portkey-config": String(saved.json.id),
      },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] }),
    });
    expect(foreign.status).toBe(404);
  });

  it("refuses an invalid saved config at save time with the path of the bad field", async () => {
    const res = await gateway.admin("POST", "/v1/configs", {
      name: "broken",
      workspace_id: gateway.workspaceId,
      config: { strategy: { mode: "loadbalance" }, targets: [{ provider: "openai", weight: -1 }] },
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.json)).toContain("targets[0].weight");
  });

  it("refuses a missing key (401), a wrong scope (403) and another workspace's virtual key (404)", async () => {
    const anonymous = new OpenAI({ apiKey: "sk-not-a-gateway-key", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const e401 = await anonymous.chat.completions
      .create({ model: `@${slug}/gpt-4o-mini`, messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(e401).toBeInstanceOf(OpenAI.AuthenticationError);

    const logsOnly = await gateway.createKey({ name: "logs only", scopes: ["logs"] });
    const reader = new OpenAI({ apiKey: logsOnly, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const e403 = await reader.chat.completions
      .create({ model: `@${slug}/gpt-4o-mini`, messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(e403).toBeInstanceOf(OpenAI.PermissionDeniedError);

    // the suite's default workspace cannot use team-b's virtual key
    const other = new OpenAI({ apiKey: gateway.apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const e404 = await other.chat.completions
      .create({ model: `@${slug}/gpt-4o-mini`, messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(e404).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("lets a re-activated key and a just-created virtual key work at once (no stale 'invalid' entry)", async () => {
    // Prepare: in the suite's default workspace, a key that is revoked and refused, and a slug probed before it exists
    const created = await gateway.admin("POST", "/v1/api-keys", {
      name: "revoked then restored",
      workspace_id: gateway.workspaceId,
      scopes: ["completions"],
    });
    const keyId = String(created.json.id);
    const client = new OpenAI({ apiKey: String(created.json.key), baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const ask = (model: string) =>
      client.chat.completions.create({ model, messages: [{ role: "user", content: "back" }] }).catch((e: unknown) => e);
    const lateSlug = "created-after-a-probe";
    expect(await ask(`@${lateSlug}/gpt-4o-mini`)).toBeInstanceOf(OpenAI.NotFoundError);
    await gateway.createVirtualKey({ name: "late", slug: lateSlug, key: PROVIDER_SECRET, custom_host: fake.baseUrl });
    await gateway.admin("PUT", `/v1/api-keys/${keyId}`, { status: "revoked" });
    expect(await ask(`@${lateSlug}/gpt-4o-mini`)).toBeInstanceOf(OpenAI.AuthenticationError);

    // Act: re-activate, and ask again at once (well within the 5 s "unknown" TTL)
    await gateway.admin("PUT", `/v1/api-keys/${keyId}`, { status: "active" });
    const answer = await ask(`@${lateSlug}/gpt-4o-mini`);

    // Assess
    expect(answer).toMatchObject({ choices: [{ message: { content: "You said: back" } }] });
  });

  it("logs every request once with tokens and cost, visible to the workspace only", async () => {
    await gateway.logSink.flush();
    await gateway.analyticsEngine.refresh();
    const res = await fetch(`${gateway.url}/v1/logs?limit=50`, { headers: { "x-portkey-api-key": appKey } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: Record<string, unknown>[] };
    const chats = body.data.filter((r) => r.endpoint === "chat");
    // the three successful calls of this workspace (the 401/403 carry no workspace, the 404s belong to another)
    const ok = chats.filter((r) => r.status === 200);
    expect(ok).toHaveLength(3);
    const fellBack = ok.find((r) => typeof r.config_id === "string");
    const detail = await fetch(`${gateway.url}/v1/logs/${String(fellBack?.id)}`, {
      headers: { "x-portkey-api-key": appKey },
    });
    const record = (await detail.json()) as { attempts: { status: number }[]; last_used_option_index: string };
    expect(record.attempts.map((a) => a.status)).toEqual([502, 200]);
    expect(record.last_used_option_index).toBe("config.targets[1]");
    const first = ok.find((r) => r.stream === false && r.config_id === null);
    expect(first).toMatchObject({ provider: "openai", prompt_tokens: 2, completion_tokens: 4, virtual_key: slug });
    expect(Number(first?.cost_usd)).toBeGreaterThan(0);
    // a streamed answer is logged as the SSE the client received
    const streamedRow = ok.find((r) => r.stream === true);
    const streamedDetail = (await (
      await fetch(`${gateway.url}/v1/logs/${String(streamedRow?.id)}`, { headers: { "x-portkey-api-key": appKey } })
    ).json()) as { response_body: string; request_body: string };
    expect(streamedDetail.response_body).toContain('"content":" two"');
    expect(streamedDetail.response_body).toContain("data: [DONE]");
    // the gateway asked upstream for usage (the client did not) and logged it without passing it on
    expect(streamedRow).toMatchObject({ prompt_tokens: 2, completion_tokens: 4 });
    expect(streamedDetail.response_body).not.toContain('"usage":{');
    expect(streamedDetail.request_body).toContain("one two");
    seen.push(JSON.stringify(body));
  });

  it("never lets the provider secret or gateway keys reach logs, responses or stored files", async () => {
    await gateway.logSink.flush();
    const files = await filesUnder(gateway.dataDir);
    const blobs = await Promise.all(files.map((f) => readFile(f)));
    for (const blob of blobs) {
      expect(blob.includes(PROVIDER_SECRET)).toBe(false);
      expect(blob.includes(appKey)).toBe(false);
    }
    // the API key's create response shows the key once by design; nothing else may
    for (const text of seen.slice(2)) {
      expect(text).not.toContain(PROVIDER_SECRET);
      expect(text).not.toContain(appKey);
    }
  });
});
