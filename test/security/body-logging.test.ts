import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenAIFake, startOpenAIFake } from "../fakes/openai-fake";
import { startTestGateway, type TestGateway } from "../support/local-gateway";

/**
 * Attacker: holds a completions-scoped key of a workspace whose operator turned body logging off
 * (`log_bodies: false`), and wants the workspace's prompts written to the logs (or wants to switch it back on).
 */
const PROVIDER_KEY = "sk-proj-body-logging-provider-key-0123456789";
const SECRET_PROMPT = "prompt-that-must-not-be-logged-7f3a";

describe("body logging switched off for a workspace", () => {
  let fake: OpenAIFake;
  let gateway: TestGateway;
  let workspaceId: string;
  let attackerKey: string;

  beforeAll(async () => {
    fake = await startOpenAIFake({ apiKey: PROVIDER_KEY });
    gateway = await startTestGateway();
    workspaceId = await gateway.createWorkspace({ name: "no-bodies", log_bodies: false });
    attackerKey = await gateway.createKey({ name: "attacker", workspace_id: workspaceId, scopes: ["completions"] });
  });
  afterAll(async () => {
    await gateway.stop();
    await fake.close();
  });

  function chat(headers: Record<string, string>) {
    return fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-portkey-api-key": attackerKey,
        "x-portkey-provider": "openai",
        "x-portkey-custom-host": fake.baseUrl,
        authorization: `Bearer ${PROVIDER_KEY}`,
        ...headers,
      },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: SECRET_PROMPT }] }),
    });
  }

  it("cannot turn body logging back on with x-portkey-debug: true", async () => {
    // Act: a request that asks for debug (body) logging
    const traceId = randomUUID();
    const res = await chat({ "x-portkey-debug": "true", "x-portkey-trace-id": traceId });
    const answer = await res.text();
    // Assess: answered, logged, but neither the prompt nor the answer is in any log file
    expect(res.status).toBe(200);
    expect(answer).toContain(SECRET_PROMPT);
    const deadline = Date.now() + 5_000;
    let logged = await gateway.loggedText();
    while (!logged.includes(traceId) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      logged = await gateway.loggedText();
    }
    expect(logged).toContain(traceId);
    expect(logged).not.toContain(SECRET_PROMPT);
  });

  it("cannot change the workspace setting with a completions-scoped key", async () => {
    const res = await fetch(`${gateway.url}/v1/admin/workspaces/${workspaceId}`, {
      method: "PUT",
      headers: { "x-portkey-api-key": attackerKey, "content-type": "application/json" },
      body: JSON.stringify({ log_bodies: true }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe("permission_error");
    expect((await gateway.admin("GET", `/v1/admin/workspaces/${workspaceId}`)).json.log_bodies).toBe(false);
  });
});
