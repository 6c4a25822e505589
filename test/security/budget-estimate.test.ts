import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeServer, startFakeServer } from "../fakes/fake-server";
import { startTestGateway, type TestGateway } from "../support/local-gateway";

/**
 * The attacker holds a completions-scoped key of a workspace with a token budget and sends a request whose real
 * prompt is far over the budget, plus a decoy field that some other endpoint reads as its prompt. The budget
 * estimate reads only the field the endpoint's row names (shared/core/endpoints.ts), so the decoy cannot shrink
 * the reservation: the request is refused with 412 before any upstream call, as without the decoy.
 */
const BUDGET_TOKENS = 6_000;
/** 30,000 bytes: ~10,000 estimated prompt tokens, over the budget on its own. */
const BIG_INPUT = "word ".repeat(6_000);

let gateway: TestGateway;
let upstream: FakeServer;

beforeAll(async () => {
  [gateway, upstream] = await Promise.all([
    startTestGateway(),
    startFakeServer(({ res }) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"object":"list","data":[],"usage":{"prompt_tokens":1,"total_tokens":1}}');
    }),
  ]);
});
afterAll(async () => {
  await Promise.all([gateway.stop(), upstream.close()]);
});

async function attackerKey(): Promise<string> {
  const ws = await gateway.admin("POST", "/v1/admin/workspaces", {
    name: "decoy",
    usage_limits: { type: "tokens", credit_limit: BUDGET_TOKENS, periodic_reset: "none" },
  });
  const key = await gateway.admin("POST", "/v1/api-keys", {
    name: "attacker",
    workspace_id: String(ws.json.id),
    scopes: ["completions"],
  });
  return String(key.json.key);
}

const cases = [
  { path: "/v1/embeddings", body: { model: "text-embedding-3-small", input: BIG_INPUT } },
  { path: "/v1/moderations", body: { model: "omni-moderation-latest", input: BIG_INPUT } },
  { path: "/v1/audio/speech", body: { model: "tts-1", voice: "alloy", input: BIG_INPUT } },
];

describe("budget bending: a decoy prompt field", () => {
  it.each(cases)("does not shrink the reservation of $path (412 before any upstream call)", async ({ path, body }) => {
    // Prepare
    const key = await attackerKey();
    const before = upstream.requests.length;

    // Act: the real input, and a one-character `prompt` the estimate used to read instead
    const res = await fetch(`${gateway.url}${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-portkey-api-key": key,
        "x-portkey-provider": "openai",
        "x-portkey-custom-host": `${upstream.origin}/v1`,
        authorization: "Bearer sk-attacker",
      },
      body: JSON.stringify({ ...body, prompt: "x" }),
      signal: AbortSignal.timeout(10_000),
    });

    // Assess
    expect(res.status).toBe(412);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("budget_exceeded");
    expect(upstream.requests.length).toBe(before);
  });
});
