import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AnthropicFake, startAnthropicFake } from "../fakes/anthropic-fake";
import { type Arena, startArena } from "./arena";

/**
 * `/v1/messages` reads the provider credential from `x-api-key` / `Authorization: Bearer`, where it may also be a
 * virtual key's slug. The attacker (a completions key, its own upstream) must not reach another workspace's
 * virtual key that way, must not move its own workspace's virtual key to its host, and no gateway key, wherever
 * the client put it, reaches an upstream.
 */
const VICTIM_SECRET = "sk-ant-victim-secret-0000000000";
const MESSAGE = { model: "claude-sonnet-4-5", max_tokens: 16, messages: [{ role: "user", content: "hi" }] };
let arena: Arena;
let victim: AnthropicFake;
let otherSlug: string;
let ownSlug: string;

beforeAll(async () => {
  arena = await startArena();
  victim = await startAnthropicFake({ apiKey: VICTIM_SECRET });
  const other = await arena.gateway.createWorkspace({ name: "victim" });
  const created = await arena.gateway.admin("POST", "/v1/virtual-keys", {
    workspace_id: other,
    name: "claude",
    slug: "victim-claude",
    provider: "anthropic",
    key: VICTIM_SECRET,
    custom_host: victim.baseUrl,
  });
  otherSlug = String(created.json.slug);
  ownSlug = await arena.gateway.createVirtualKey({
    name: "own claude",
    provider: "anthropic",
    key: VICTIM_SECRET,
    custom_host: victim.baseUrl,
  });
});
afterAll(async () => {
  await arena.stop();
  await victim.close();
});

function seen(): string {
  return JSON.stringify([...arena.attacker.requests, ...victim.requests].map((r) => r.headers));
}

describe("credentials on /v1/messages", () => {
  it("another workspace's virtual key slug in x-api-key names nothing: it is only the attacker's own string", async () => {
    // Act
    const res = await arena.post("/v1/messages", MESSAGE, {
      "x-api-key": otherSlug,
      "x-portkey-custom-host": arena.attacker.baseUrl,
    });

    // Assess: sent as a provider key to the attacker's own host; the victim's key and host untouched
    expect(otherSlug).toBe("victim-claude");
    expect(res.status).not.toBe(200);
    expect(res.body).toMatchObject({ type: "error", error: { type: expect.any(String) } });
    expect(victim.requests).toHaveLength(0);
    expect(arena.attacker.requests[0]?.headers["x-api-key"]).toBe(otherSlug);
    expect(seen()).not.toContain(VICTIM_SECRET);
  });

  it("its own workspace's virtual key in x-api-key is never sent to a host the request names", async () => {
    // Act
    const res = await arena.post("/v1/messages", MESSAGE, {
      authorization: `Bearer ${ownSlug}`,
      "x-portkey-custom-host": arena.attacker.baseUrl,
    });

    // Assess
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ type: "error", error: { type: "invalid_request_error", message: expect.any(String) } });
    expect(seen()).not.toContain(VICTIM_SECRET);
  });

  it("no gateway key reaches the upstream, in x-api-key, Bearer or x-portkey-api-key, even when asked to forward", async () => {
    // Act: the gateway key in every header Anthropic's clients use, each listed for forwarding
    const before = arena.attacker.requests.length;
    const inApiKey = await arena.post("/v1/messages", MESSAGE, {
      "x-portkey-api-key": "",
      "x-api-key": arena.attackerKey,
      authorization: "Bearer sk-attacker-provider-key",
      "x-portkey-custom-host": arena.attacker.baseUrl,
      "x-portkey-forward-headers": "x-api-key, authorization, x-portkey-api-key",
    });
    const inHeader = await arena.post("/v1/messages", MESSAGE, {
      "x-api-key": "sk-attacker-provider-key",
      "x-portkey-custom-host": arena.attacker.baseUrl,
      "x-portkey-forward-headers": "x-api-key, authorization, x-portkey-api-key",
    });

    // Assess: both authenticated and sent; no header upstream carries a gateway key
    expect(arena.attacker.requests.length - before).toBe(2);
    expect([inApiKey.status, inHeader.status]).not.toContain(401);
    expect(seen()).not.toContain(arena.attackerKey);
    expect(seen()).not.toContain("pk-gw-");
    for (const r of arena.attacker.requests.slice(before))
      expect(r.headers["x-api-key"]).toBe("sk-attacker-provider-key");
  });
});
