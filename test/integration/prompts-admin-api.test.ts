import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatewayCore } from "../../shared/gateway/core";
import { createHostGuard } from "../../shared/http/host-guard";
import { defaultProviderRegistry } from "../../shared/providers/registry";
import { bodyText, coreRequest } from "../support/core-http";
import { type ControlHarness, field, ROOT_KEY, startControlHarness, text } from "./control-support";

/** The prompt admin API on the DynamoDB adapter (dynalite), and the gateway's prompts step reading what it wrote. */
describe("prompt admin API", () => {
  let h: ControlHarness;
  let ws: string;
  let admin: string;

  const prompt = (overrides: Record<string, unknown> = {}) => ({
    name: "Greeter",
    collection_id: "c1",
    string: "Hello {{name}}",
    parameters: { temperature: 0 },
    model: "gpt-4o-mini",
    ...overrides,
  });

  beforeAll(async () => {
    h = await startControlHarness();
    ws = text((await h.call("POST", "/v1/admin/workspaces", ROOT_KEY, { name: "Prompts" })).json, "id");
    admin = text(
      (
        await h.call("POST", "/v1/api-keys", ROOT_KEY, {
          name: "ops",
          workspace_id: ws,
          scopes: ["admin", "completions"],
        })
      ).json,
      "key",
    );
  });
  afterAll(async () => {
    await h?.close();
  });

  it("refuses content the gateway could not run, naming the problem (400, never a 500)", async () => {
    // Act
    const cases = await Promise.all([
      h.call("POST", "/v1/prompts", admin, prompt({ string: "Hello {{#name}}" })),
      h.call("POST", "/v1/prompts", admin, prompt({ string: '[{"role":"user","content":"{{> p}}"}]' })),
      h.call("POST", "/v1/prompts", admin, prompt({ string: '[{"content":"no role"}]' })),
      h.call("POST", "/v1/prompts", admin, prompt({ virtual_key: "vk-missing" })),
      h.call("POST", "/v1/prompts", admin, prompt({ parameters: undefined })),
      h.call("POST", "/v1/prompts", admin, prompt({ string: "" })),
      h.call("POST", "/v1/prompts", admin, prompt({ slug: "partials" })),
    ]);
    // Assess
    expect(cases.map((c) => c.status)).toEqual([400, 400, 400, 400, 400, 400, 400]);
    expect(field(field(cases[0]?.json, "error"), "message")).toMatch(
      /line 1, column 7: section 'name' is never closed/,
    );
    expect(field(field(cases[0]?.json, "error"), "code")).toBe("invalid_template");
    expect(field(field(cases[1]?.json, "error"), "code")).toBe("partial_not_found");
    expect(field(field(cases[3]?.json, "error"), "code")).toBe("virtual_key_not_found");
    expect(field(field(cases[4]?.json, "error"), "param")).toBe("parameters");
  });

  it("versions with optimistic concurrency: a stale If-Match loses with 409, a name change makes no version", async () => {
    // Prepare
    const id = text((await h.call("POST", "/v1/prompts", admin, prompt())).json, "id");
    // Act
    const renamed = await h.call("PUT", `/v1/prompts/${id}`, admin, { name: "Greeter 2", expected_version: 1 });
    const stale = await h.call("PUT", `/v1/prompts/${id}`, admin, { string: "Hi {{name}}", expected_version: 1 });
    const content = await h.call("PUT", `/v1/prompts/${id}`, admin, { string: "Hi {{name}}", expected_version: 2 });
    const badPublish = await h.call("PUT", `/v1/prompts/${id}/makeDefault`, admin, { version: 9 });
    const versions = await h.call("GET", `/v1/prompts/${id}/versions?limit=1`, admin);
    const head = await h.call("GET", `/v1/prompts/${id}`, admin);
    const latest = await h.call("GET", `/v1/prompts/${id}@latest`, admin);
    // Assess
    expect(renamed.json).toMatchObject({ prompt_version: 1, version: 2 });
    expect(stale.status).toBe(409);
    expect(content.json).toMatchObject({ prompt_version: 2, published_version: 1, version: 3 });
    expect(badPublish.status).toBe(404);
    expect(versions.json).toMatchObject({ data: [{ prompt_version: 1, is_published: true }], has_more: true });
    expect(head.json).toMatchObject({
      name: "Greeter 2",
      string: "Hello {{name}}",
      prompt_version: 1,
      latest_version: 2,
    });
    expect(latest.json).toMatchObject({ string: "Hi {{name}}", prompt_version: 2, is_published: false });
  });

  it("lets the root key address a prompt without workspace_id when one workspace owns it", async () => {
    // Prepare
    const id = text((await h.call("POST", "/v1/prompts", admin, prompt({ name: "Rooted" }))).json, "id");
    // Act
    const found = await h.call("GET", `/v1/prompts/${id}`, ROOT_KEY);
    const list = await h.call("GET", "/v1/prompts", ROOT_KEY);
    const missing = await h.call("GET", "/v1/prompts/pp-nobody-has-this", ROOT_KEY);
    // Assess
    expect(found.json).toMatchObject({ id, workspace_id: ws });
    expect(list.status).toBe(400);
    expect(missing.status).toBe(404);
  });

  it("answers bad labels, partial lists and writes to a version with clear answers", async () => {
    // Prepare
    const id = text((await h.call("POST", "/v1/prompts", admin, prompt({ name: "Labels" }))).json, "id");
    // Act
    const label = await h.call("PUT", `/v1/prompts/${id}/versions/1`, admin, { label_id: "Not A Label" });
    const partials = await h.call("GET", "/v1/prompts/partials", admin);
    const versionWrite = await h.call("PUT", `/v1/prompts/${id}@1`, admin, { name: "x" });
    // Assess
    expect(field(field(label.json, "error"), "code")).toBe("invalid_label");
    expect(partials.status).toBe(200);
    expect(versionWrite.status).toBe(400);
  });

  it("stops serving an archived prompt on the gateway at once (same process), and serves it again when active", async () => {
    // Prepare
    const id = text((await h.call("POST", "/v1/prompts", admin, prompt({ name: "Archive me" }))).json, "id");
    const gateway = createGatewayCore({
      providers: defaultProviderRegistry(),
      transport: { send: () => Promise.reject(new Error("no upstream in this test")), close: async () => undefined },
      hostGuard: createHostGuard(undefined),
      streamIdleTimeoutMs: 10_000,
      authenticator: h.plane.authenticator,
      lookups: h.plane,
      prompts: h.plane.prompts,
    });
    const render = async () => {
      const res = await gateway(
        coreRequest(
          "POST",
          `/v1/prompts/${id}/render`,
          { "x-portkey-api-key": admin, "content-type": "application/json" },
          { variables: { name: "Ana" } },
        ),
      );
      return { status: res.status, json: JSON.parse(await bodyText(res)) as unknown };
    };
    const before = await render();
    // Act
    await h.call("PUT", `/v1/prompts/${id}`, admin, { status: "archived" });
    const archived = await render();
    await h.call("PUT", `/v1/prompts/${id}`, admin, { status: "active" });
    const restored = await render();
    // Assess
    expect(before.json).toEqual({
      success: true,
      data: { temperature: 0, model: "gpt-4o-mini", messages: [{ role: "user", content: "Hello Ana" }] },
    });
    expect(archived.status).toBe(404);
    expect(restored.status).toBe(200);
  });

  it("refuses to delete a workspace that still owns prompts", async () => {
    // Prepare
    const other = text((await h.call("POST", "/v1/admin/workspaces", ROOT_KEY, { name: "With prompt" })).json, "id");
    await h.call("POST", "/v1/prompts", ROOT_KEY, prompt({ workspace_id: other }));
    // Act
    const res = await h.call("DELETE", `/v1/admin/workspaces/${other}`, ROOT_KEY);
    // Assess
    expect(res.status).toBe(409);
  });
});
