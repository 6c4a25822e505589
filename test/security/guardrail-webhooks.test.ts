import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Arena, CHAT, countRequestsOnPort, fakeTarget, KEYED_UPSTREAM, PROVIDER_KEY, startArena } from "./arena";

/**
 * Guardrail webhooks as an SSRF vector: the attacker writes an inline config whose `default.webhook` points at the
 * gateway's own listeners or a cloud metadata address. The URL passes the same guard as custom hosts: refused,
 * nothing sent. With `failOnError` the hook fails closed (446); without it, it fails open, but still sends nothing.
 */
let arena: Arena;
let gatewayPort: number;

beforeAll(async () => {
  arena = await startArena(KEYED_UPSTREAM);
  gatewayPort = Number(new URL(arena.gateway.url).port);
});
afterAll(async () => {
  await arena?.stop();
});

function withWebhook(url: string, failOnError: boolean): Record<string, string> {
  const hook = {
    id: "policy",
    type: "guardrail",
    deny: true,
    checks: [{ id: "default.webhook", parameters: { webhookURL: url, failOnError, timeout: 1000 } }],
  };
  return { "x-portkey-config": JSON.stringify({ ...fakeTarget(arena), before_request_hooks: [hook] }) };
}

type Hooked = { hook_results?: { before_request_hooks: { checks: { error?: { message: string } }[] }[] } };

describe("a guardrail webhook cannot reach the gateway itself or a metadata address", () => {
  it("refuses the gateway's own port: nothing reaches it, a fail-closed hook denies with 446", async () => {
    const own = countRequestsOnPort(gatewayPort);
    try {
      const reply = await arena.post(
        "/v1/chat/completions",
        CHAT,
        withWebhook(`http://127.0.0.1:${gatewayPort}/v1/admin/workspaces`, true),
      );
      expect(reply.status).toBe(446);
      const error = (reply.body as Hooked).hook_results?.before_request_hooks[0]?.checks[0]?.error?.message ?? "";
      expect(error).toMatch(/this gateway/i);
      expect(own.requests.filter((r) => r.includes("/v1/admin/workspaces"))).toEqual([]);
    } finally {
      own.stop();
    }
  });

  it("refuses the cloud metadata address before any connection (fail-open: the request goes on)", async () => {
    const started = performance.now();
    const reply = await arena.post(
      "/v1/chat/completions",
      CHAT,
      withWebhook("http://169.254.169.254/latest/meta-data/iam", false),
    );
    expect(reply.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(1_000);
    const error = (reply.body as Hooked).hook_results?.before_request_hooks[0]?.checks[0]?.error?.message ?? "";
    expect(error).toMatch(/loopback|private|metadata|not allow/i);
  });

  it("never puts the provider key or the gateway key in a hook result", async () => {
    const reply = await arena.post("/v1/chat/completions", CHAT, withWebhook("http://169.254.169.254/x", true));
    expect(reply.text).not.toContain(PROVIDER_KEY);
    expect(reply.text).not.toContain(arena.attackerKey);
  });
});
