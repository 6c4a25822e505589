import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Arena, startArena } from "./arena";

/**
 * The model catalog (`GET /v1/models` with the gateway key alone) lists only the caller's workspace's virtual keys:
 * another workspace's slugs never appear, cannot be retrieved, and no secret is ever part of the catalog. A
 * `{model}` path parameter cannot walk the upstream path.
 */
const VICTIM_SECRET = "sk-victim-groq-secret-0000000000";
const OWN_SECRET = "sk-own-openai-secret-00000000000";
let arena: Arena;
let victimSlug: string;
let ownSlug: string;

beforeAll(async () => {
  arena = await startArena();
  const victimWorkspace = await arena.gateway.createWorkspace({ name: "victim" });
  victimSlug = await arena.gateway.createVirtualKey({
    name: "victim-groq",
    provider: "groq",
    key: VICTIM_SECRET,
    custom_host: arena.attacker.baseUrl,
    workspace_id: victimWorkspace,
  });
  ownSlug = await arena.gateway.createVirtualKey({
    name: "own-openai",
    key: OWN_SECRET,
    custom_host: arena.attacker.baseUrl,
  });
});

afterAll(async () => {
  await arena?.stop();
});

function attackerClient(): OpenAI {
  return new OpenAI({ apiKey: arena.attackerKey, baseURL: `${arena.gateway.url}/v1`, maxRetries: 0 });
}

async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const res = await fetch(`${arena.gateway.url}${path}`, {
    headers: { "x-portkey-api-key": arena.attackerKey, ...headers },
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, text: await res.text() };
}

describe("the model catalog is workspace-scoped", () => {
  it("lists the caller's virtual keys only, and no secret", async () => {
    // Act
    const listed = await get("/v1/models");
    const ids: string[] = [];
    for await (const model of attackerClient().models.list()) ids.push(model.id);

    // Assess
    expect(listed.status).toBe(200);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.every((id) => id.startsWith(`@${ownSlug}/`))).toBe(true);
    expect(listed.text).not.toContain(victimSlug);
    expect(listed.text).not.toContain(VICTIM_SECRET);
    expect(listed.text).not.toContain(OWN_SECRET);
    expect(listed.text).not.toContain(arena.attacker.baseUrl);
  });

  it("another workspace's @slug/model cannot be retrieved (404, nothing sent upstream)", async () => {
    // Prepare
    arena.attacker.reset();

    // Act
    const err = await attackerClient()
      .models.retrieve(`@${victimSlug}/llama-3.3-70b-versatile`)
      .catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(String((err as Error).message)).not.toContain(VICTIM_SECRET);
    expect(arena.attacker.requests).toHaveLength(0);
  });

  it.each(["..%2F..%2Fadmin", "a%2F..%2Fb", "%2E%2E", "a%2F.", "x%252F..", "a%00b"])(
    "GET /v1/models/%s with a provider header is refused before any upstream call",
    async (param) => {
      // Prepare
      arena.attacker.reset();

      // Act
      const res = await get(`/v1/models/${param}`, {
        "x-portkey-provider": "openai",
        "x-portkey-custom-host": arena.attacker.baseUrl,
        authorization: "Bearer sk-attacker",
      });

      // Assess
      // (404 for a parameter that is not an id; 400 invalid_path where the URL parser already turned `%2E%2E`
      // into a `..` segment and the path reached the catch-all's check)
      const { code } = JSON.parse(res.text).error;
      expect([res.status, code]).toEqual(res.status === 400 ? [400, "invalid_path"] : [404, "unknown_route"]);
      expect(arena.attacker.requests).toHaveLength(0);
    },
  );
});
