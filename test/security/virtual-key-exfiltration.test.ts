import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenAIFake, startOpenAIFake } from "../fakes/openai-fake";
import { type Arena, CHAT, startArena } from "./arena";

/**
 * Provider-key exfiltration: the attacker may use a virtual key of its workspace but must never learn its secret.
 * A virtual key's secret goes only to the host the virtual key was created for; a request (header, model or
 * config) that names another host next to a virtual key is refused before any upstream call.
 */
const VICTIM_SECRET = "sk-victim-provider-secret-000000";
let arena: Arena;
let provider: OpenAIFake;
let slug: string;
let azureSlug: string;

beforeAll(async () => {
  arena = await startArena();
  // The admin's virtual keys: the provider key lives behind them, with the host they were created for.
  provider = await startOpenAIFake({ apiKey: VICTIM_SECRET });
  slug = await arena.gateway.createVirtualKey({ name: "openai", key: VICTIM_SECRET, custom_host: provider.baseUrl });
  azureSlug = await arena.gateway.createVirtualKey({
    name: "azure",
    provider: "azure-openai",
    key: VICTIM_SECRET,
    resource_name: "victim",
    deployment_name: "gpt4o",
    api_version: "2024-10-21",
    custom_host: `${provider.origin}/openai`,
  });
});

afterAll(async () => {
  await provider?.close();
  await arena?.stop();
});

function expectRefusedBeforeUpstream(reply: Awaited<ReturnType<Arena["call"]>>): void {
  expect(reply.status, JSON.stringify(reply.json)).toBe(400);
  expect(reply.json.error?.code).toBe("custom_host_with_virtual_key");
  expect(JSON.stringify(reply.json)).not.toContain(VICTIM_SECRET);
  expect(arena.attacker.requests).toHaveLength(0);
}

describe("a virtual key's secret goes only to its own host", () => {
  it("works as created (the control: the stored host gets the stored key)", async () => {
    const before = provider.requests.length;
    const reply = await arena.call({ "x-portkey-virtual-key": slug });
    expect(reply.status).toBe(200);
    expect(provider.requests.length).toBe(before + 1);
  });

  it("refuses x-portkey-virtual-key with x-portkey-custom-host", async () => {
    arena.attacker.reset();
    expectRefusedBeforeUpstream(
      await arena.call({ "x-portkey-virtual-key": slug, "x-portkey-custom-host": arena.attacker.baseUrl }),
    );
  });

  it("refuses a model written @slug/model with x-portkey-custom-host", async () => {
    arena.attacker.reset();
    expectRefusedBeforeUpstream(
      await arena.call(
        { "x-portkey-custom-host": arena.attacker.baseUrl, "x-portkey-provider": "openai" },
        { ...CHAT, model: `@${slug}/gpt-4o-mini` },
      ),
    );
  });

  it.each([
    ["a target's own custom_host", () => ({ virtual_key: slug, custom_host: arena.attacker.baseUrl })],
    [
      "a custom_host inherited from the strategy node",
      () => ({
        strategy: { mode: "fallback" },
        custom_host: arena.attacker.baseUrl,
        targets: [{ virtual_key: slug }],
      }),
    ],
    [
      "the Azure resource_name next to an Azure virtual key",
      () => ({ strategy: { mode: "single" }, targets: [{ virtual_key: azureSlug, resource_name: "attacker" }] }),
    ],
    [
      "a semantic cache embedding target with virtual_key and custom_host",
      () => ({
        virtual_key: slug,
        cache: {
          mode: "semantic",
          embedding: { virtual_key: slug, custom_host: arena.attacker.baseUrl, model: "text-embedding-3-small" },
        },
      }),
    ],
  ])("refuses a config with %s", async (_what, config) => {
    arena.attacker.reset();
    expectRefusedBeforeUpstream(await arena.call({ "x-portkey-config": JSON.stringify(config()) }));
  });

  it("refuses a config custom_host over a header-named virtual key", async () => {
    arena.attacker.reset();
    const config = { retry: { attempts: 1 }, custom_host: arena.attacker.baseUrl };
    expectRefusedBeforeUpstream(
      await arena.call({ "x-portkey-config": JSON.stringify(config), "x-portkey-virtual-key": slug }),
    );
  });
});
