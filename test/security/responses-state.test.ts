import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeServer } from "../fakes/fake-server";
import { startOpenAIChatFake } from "../fakes/openai-wire-fake";
import { startTestGateway, type TestGateway } from "../support/local-gateway";

/**
 * Conversation state of `/v1/responses` (docs/responses.md) is scoped to the workspace: an attacker holding a
 * completions key of another workspace, who knows a response id, can neither read, list, delete nor continue it.
 */
const PROVIDER_KEY = "gsk-state-test";

let gateway: TestGateway;
let fake: FakeServer;
let attackerKey: string;
let ownerHeaders: Record<string, string>;
let attackerHeaders: Record<string, string>;

beforeAll(async () => {
  gateway = await startTestGateway();
  fake = await startOpenAIChatFake(PROVIDER_KEY);
  const other = await gateway.createWorkspace({ name: "attacker" });
  attackerKey = await gateway.createKey({ name: "attacker", scopes: ["completions"], workspace_id: other });
  const provider = {
    "x-portkey-provider": "groq",
    "x-portkey-custom-host": `${fake.origin}/v1`,
    authorization: `Bearer ${PROVIDER_KEY}`,
  };
  ownerHeaders = { ...provider, "x-portkey-api-key": gateway.apiKey };
  attackerHeaders = { ...provider, "x-portkey-api-key": attackerKey };
});
afterAll(async () => {
  await gateway.stop();
  await fake.close();
});

interface Reply {
  readonly id?: string;
  readonly error: { readonly type: string; readonly param: string | null; readonly code: string | null };
}

async function call(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(`${gateway.url}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, json: (await res.json()) as Reply };
}

describe("a stored response, seen from another workspace", () => {
  let id: string;
  beforeAll(async () => {
    const created = await call("POST", "/v1/responses", ownerHeaders, { model: "m", input: "my secret plan" });
    id = String(created.json.id);
  });

  it("has an unguessable id", () => {
    expect(id).toMatch(/^resp_[0-9a-f]{48}$/);
  });

  it("is not found by GET, input_items or DELETE, and the owner still has it", async () => {
    // Act
    const read = await call("GET", `/v1/responses/${id}`, attackerHeaders);
    const items = await call("GET", `/v1/responses/${id}/input_items`, attackerHeaders);
    const deleted = await call("DELETE", `/v1/responses/${id}`, attackerHeaders);
    const owner = await call("GET", `/v1/responses/${id}`, ownerHeaders);

    // Assess
    for (const res of [read, items, deleted]) {
      expect(res.status).toBe(404);
      expect(res.json.error.type).toBe("invalid_request_error");
      expect(JSON.stringify(res.json)).not.toContain("secret plan");
    }
    expect(owner.status).toBe(200);
    expect(owner.json.id).toBe(id);
  });

  it("cannot be continued with previous_response_id", async () => {
    // Act
    const res = await call("POST", "/v1/responses", attackerHeaders, {
      model: "m",
      previous_response_id: id,
      input: "what was my plan?",
    });

    // Assess
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ param: "previous_response_id", code: "previous_response_not_found" });
    const sent = fake.requests.map((r) => r.body.toString()).join("\n");
    expect(sent).not.toContain("what was my plan?"); // refused before any upstream call
  });

  it("cannot be read through item_reference items, and the owner can", async () => {
    // Prepare: the stored input item's id (as input_items lists it)
    const items = await call("GET", `/v1/responses/${id}/input_items`, ownerHeaders);
    const itemId = String((items.json as unknown as { data: { id: string }[] }).data[0]?.id);
    const asking = { model: "m", input: [{ type: "item_reference", id: itemId }] };

    // Act
    const res = await call("POST", "/v1/responses", attackerHeaders, asking);
    const owner = await call("POST", "/v1/responses", ownerHeaders, asking);

    // Assess
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ param: "input", code: "item_not_found" });
    expect(JSON.stringify(res.json)).not.toContain("secret plan");
    expect(owner.status).toBe(200);
    expect(JSON.stringify(owner.json)).toContain("You said: my secret plan");
  });

  it("refuses references into more stored responses than it reads for one request", async () => {
    // Act: 17 made-up response ids, each a read
    const input = Array.from({ length: 17 }, (_, n) => ({
      type: "item_reference",
      id: `msg_${n.toString(16).padStart(48, "0")}_0`,
    }));
    const res = await call("POST", "/v1/responses", attackerHeaders, { model: "m", input });

    // Assess
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ param: "input", code: "invalid_value" });
  });
});
