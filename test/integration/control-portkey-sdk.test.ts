import { Portkey } from "portkey-ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveCore } from "../support/core-http";
import { type ControlHarness, ROOT_KEY, startControlHarness } from "./control-support";

/** The unmodified portkey-ai SDK, pointed at our admin core over loopback HTTP, is the reference client. */
describe("portkey-ai SDK against the admin core", () => {
  let h: ControlHarness;
  let server: Awaited<ReturnType<typeof serveCore>>;
  let root: Portkey;

  beforeAll(async () => {
    h = await startControlHarness();
    server = await serveCore(h.plane.adminCore);
    root = new Portkey({ apiKey: ROOT_KEY, baseURL: server.baseURL });
  });
  afterAll(async () => {
    await server?.close();
    await h?.close();
  });

  it("runs the operator flow: workspace, API key, virtual key (rotate), config, then cleans up", async () => {
    // Prepare + Act: root creates a workspace and a workspace admin key
    const ws = await root.admin.workspaces.create({ name: "Search team", description: "search" });
    const fetched = await root.admin.workspaces.retrieve({ workspaceId: ws.id });
    const updated = await root.admin.workspaces.update({ workspaceId: ws.id, description: "search & ranking" });
    const listedWs = await root.admin.workspaces.list({});
    const adminKey = await root.apiKeys.create({
      type: "workspace",
      "sub-type": "service",
      name: "search ops",
      workspace_id: ws.id,
      scopes: ["admin", "completions"],
    });
    const ops = new Portkey({ apiKey: adminKey.key ?? "", baseURL: server.baseURL });
    // virtual keys
    const vk = await ops.virtualKeys.create({
      name: "Azure prod",
      provider: "azure-openai",
      key: "azure-secret-key-000111222333",
      resourceName: "res1",
      deploymentName: "gpt4o",
      apiVersion: "2024-06-01",
    });
    const vkGet = await ops.virtualKeys.retrieve({ slug: vk.slug });
    const vkUpdated = await ops.virtualKeys.update({
      slug: vk.slug,
      key: "azure-rotated-key-999888777666",
      note: "rotated",
    });
    const vkList = await ops.virtualKeys.list();
    // configs
    const cfg = await ops.configs.create({
      name: "Prod routing",
      config: { strategy: { mode: "fallback" }, targets: [{ virtual_key: vk.slug }] },
      isDefault: 1,
    });
    const cfgGet = await ops.configs.retrieve({ slug: cfg.slug });
    const cfgUpdated = await ops.configs.update({ slug: cfg.slug, config: { retry: { attempts: 3 } } });
    const cfgList = await ops.configs.list();
    // api keys
    const keys = await ops.apiKeys.list({});
    const keyGet = await ops.apiKeys.retrieve({ id: adminKey.id });
    const keyUpdated = await ops.apiKeys.update({ id: adminKey.id, name: "search ops (renamed)" });
    // Assess
    expect(fetched).toMatchObject({ id: ws.id, name: "Search team", object: "workspace" });
    expect(updated.description).toBe("search & ranking");
    expect(listedWs.data?.map((w) => w.id)).toContain(ws.id);
    expect(adminKey.key).toMatch(/^pk-gw-[0-9a-f]{16}\./);
    expect(vkGet).toMatchObject({ slug: vk.slug, ai_provider_name: "azure-openai", masked_api_key: "****2333" });
    expect(vkGet.model_config).toEqual({ resourceName: "res1", deploymentName: "gpt4o", apiVersion: "2024-06-01" });
    expect(vkUpdated.slug).toBe(vk.slug);
    expect(vkList.data?.map((k) => k.slug)).toEqual([vk.slug]);
    expect(JSON.stringify(vkList)).not.toContain("azure-rotated-key");
    expect((await h.plane.virtualKeys.resolve(ws.id ?? "", vk.slug ?? "")).secret.apiKey).toBe(
      "azure-rotated-key-999888777666",
    );
    expect(cfg.slug).toMatch(/^pc-prod-routing-/);
    expect(cfgGet).toMatchObject({ slug: cfg.slug, is_default: 1, version_id: "1" });
    expect(cfgUpdated.version_id).toBe("2");
    expect(cfgList.data?.map((c) => c.slug)).toEqual([cfg.slug]);
    expect(keys.data?.map((k) => k.id)).toEqual([adminKey.id]);
    expect(keyGet.key).toMatch(/\*\*\*\*$/);
    expect(keyGet.key).not.toBe(adminKey.key);
    expect(keyUpdated.name).toBe("search ops (renamed)");
    // cleanup through the SDK's delete methods
    await expect(ops.configs.delete({ slug: cfg.slug })).rejects.toMatchObject({ status: 409 });
    await ops.configs.update({ slug: cfg.slug, isDefault: 0 } as never);
    await ops.configs.delete({ slug: cfg.slug });
    await ops.virtualKeys.delete({ slug: vk.slug });
    await ops.apiKeys.delete({ id: adminKey.id });
    await root.admin.workspaces.delete({ workspaceId: ws.id });
    await expect(root.admin.workspaces.retrieve({ workspaceId: ws.id })).rejects.toMatchObject({ status: 404 });
  });

  it("surfaces our OpenAI-style errors through the SDK with the right status", async () => {
    // Act
    const noKey = new Portkey({ apiKey: "pk-gw-0000000000000000.bogus", baseURL: server.baseURL });
    // Assess
    await expect(noKey.virtualKeys.list()).rejects.toMatchObject({ status: 401 });
    await expect(root.virtualKeys.list()).rejects.toMatchObject({ status: 400 });
    await expect(
      root.apiKeys.create({ name: "x", scopes: ["completions.write"], workspace_id: "ws-nope" }),
    ).rejects.toMatchObject({ status: 400 });
  });
});
