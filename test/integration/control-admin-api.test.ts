import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coreRequest } from "../support/core-http";
import { type ControlHarness, field, ROOT_KEY, startControlHarness, text } from "./control-support";

describe("admin API behaviour", () => {
  let h: ControlHarness;
  let ws: string;
  let admin: string;

  beforeAll(async () => {
    h = await startControlHarness();
    ws = text((await h.call("POST", "/v1/admin/workspaces", ROOT_KEY, { name: "Behaviour" })).json, "id");
    admin = text(
      (await h.call("POST", "/v1/api-keys", ROOT_KEY, { name: "ops", workspace_id: ws, scopes: ["admin"] })).json,
      "key",
    );
  });
  afterAll(async () => {
    await h?.close();
  });

  it("answers bad input with OpenAI-style 4xx errors naming the field, never a 500", async () => {
    // Act
    const cases = await Promise.all([
      h.call("POST", "/v1/virtual-keys", admin, "{not json"),
      h.call("POST", "/v1/virtual-keys", admin, [1, 2]),
      h.call("POST", "/v1/virtual-keys", admin, { name: "x" }),
      h.call("POST", "/v1/virtual-keys", admin, { name: "x", provider: "openai" }),
      h.call("POST", "/v1/virtual-keys", admin, {
        name: "x",
        provider: "openai",
        key: "k",
        custom_host: "file:///etc",
      }),
      h.call("POST", "/v1/virtual-keys", admin, { name: "x", provider: "openai", key: "k", slug: "Has/Slash" }),
      h.call("POST", "/v1/api-keys", admin, { name: "x", scopes: ["everything"] }),
      h.call("POST", "/v1/api-keys", admin, { name: "x", scopes: ["completions"], expires_at: "2001-01-01T00:00:00Z" }),
      h.call("POST", "/v1/api-keys", admin, { name: "x", scopes: ["completions"], defaults: { config_id: "pc-nope" } }),
      h.call("POST", "/v1/configs", admin, { name: "x", config: [1] }),
      h.call("POST", "/v1/configs", admin, { name: "x" }),
      h.call("GET", "/v1/virtual-keys?limit=1000", admin),
      h.call("GET", "/v1/virtual-keys?cursor=bm9wZQ", admin),
      h.call("GET", "/v1/virtual-keys?current_page=3", admin),
      h.call("GET", "/v1/virtual-keys/%E0%A4%A", admin),
    ]);
    // Assess
    for (const c of cases) {
      expect(c.status, c.text).toBe(400);
      expect(field(field(c.json, "error"), "type")).toBe("invalid_request_error");
      expect(typeof field(field(c.json, "error"), "message")).toBe("string");
    }
    expect(field(field(cases[6]?.json, "error"), "param")).toBe("scopes.0");
    expect(field(field(cases[9]?.json, "error"), "code")).toBe("invalid_config");
  });

  it("answers a hand-made cursor naming the caller's own list with 400 invalid_cursor, never a 500", async () => {
    // Prepare: right partition, wrong key shape (missing or extra key attributes)
    const cursor = (key: Record<string, string>) => Buffer.from(JSON.stringify(key)).toString("base64url");
    const forged = [
      `/v1/virtual-keys?cursor=${cursor({ pk: `WS#${ws}` })}`,
      `/v1/virtual-keys?cursor=${cursor({ pk: `WS#${ws}`, sk: "VK#a", gsi1pk: "SLUG#VK#a" })}`,
      `/v1/api-keys?cursor=${cursor({ gsi1pk: `WS#${ws}#APIKEYS` })}`,
      `/v1/api-keys?cursor=${cursor({ gsi1pk: `WS#${ws}#APIKEYS`, gsi1sk: "0", pk: "APIKEY#x" })}`,
    ];
    // Act
    const answers = await Promise.all(forged.map((path) => h.call("GET", path, admin)));
    // Assess
    for (const answer of answers) {
      expect(answer.status, answer.text).toBe(400);
      expect(field(field(answer.json, "error"), "code")).toBe("invalid_cursor");
    }
  });

  it("answers unknown routes with 404 and wrong methods with 405 (after authentication)", async () => {
    // Act
    const unknown = await h.call("GET", "/v1/nothing-here", admin);
    const method = await h.call("PATCH", "/v1/configs", admin);
    const unauthenticated = await h.call("GET", "/v1/nothing-here", undefined);
    // Assess
    expect([unknown.status, method.status, unauthenticated.status]).toEqual([404, 405, 401]);
  });

  it("names a missing config or virtual key with the same 404 code, with or without workspace_id", async () => {
    // Act: the root key may leave workspace_id out (the slug's workspace is looked up); a workspace key may not need it
    const missing = await Promise.all([
      h.call("GET", "/v1/configs/pc-missing", ROOT_KEY),
      h.call("GET", `/v1/configs/pc-missing?workspace_id=${ws}`, ROOT_KEY),
      h.call("GET", "/v1/configs/pc-missing", admin),
      h.call("GET", "/v1/virtual-keys/vk-missing", ROOT_KEY),
      h.call("GET", `/v1/virtual-keys/vk-missing?workspace_id=${ws}`, ROOT_KEY),
      h.call("GET", "/v1/virtual-keys/vk-missing", admin),
    ]);
    // Assess
    expect(missing.map((r) => [r.status, field(field(r.json, "error"), "code")])).toEqual([
      [404, "config_not_found"],
      [404, "config_not_found"],
      [404, "config_not_found"],
      [404, "virtual_key_not_found"],
      [404, "virtual_key_not_found"],
      [404, "virtual_key_not_found"],
    ]);
  });

  it("lets exactly one of several concurrent config updates with the same expected version win", async () => {
    // Prepare
    const slug = text((await h.call("POST", "/v1/configs", admin, { name: "race", config: { n: 0 } })).json, "slug");
    // Act
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((n) => h.call("PUT", `/v1/configs/${slug}`, admin, { config: { n }, expected_version: 1 })),
    );
    // Assess
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409]);
    const winner = results.find((r) => r.status === 200);
    const head = await h.call("GET", `/v1/configs/${slug}`, admin);
    expect(field(head.json, "config")).toEqual(field(winner?.json, "config"));
    expect(field(head.json, "version")).toBe(2);
    const v1 = await h.call("GET", `/v1/configs/${slug}?version=1`, admin);
    expect(field(v1.json, "config")).toEqual({ n: 0 });
  });

  it("honours If-Match on updates and refuses a stale one with 409", async () => {
    // Prepare
    const slug = text(
      (await h.call("POST", "/v1/virtual-keys", admin, { name: "ifm", provider: "openai", key: "sk-ifmatch-000000" }))
        .json,
      "slug",
    );
    const update = (version: string) =>
      h.plane.adminCore(
        coreRequest(
          "PUT",
          `/v1/virtual-keys/${slug}`,
          { "x-portkey-api-key": admin, "if-match": version },
          { note: "n" },
        ),
      );
    // Act
    const ok = await update('"1"');
    const stale = await update("1");
    // Assess
    expect([ok.status, stale.status]).toEqual([200, 409]);
  });

  it("pages API-key lists with limit and next_cursor", async () => {
    // Prepare
    for (let i = 0; i < 4; i++) await h.call("POST", "/v1/api-keys", admin, { name: `k${i}`, scopes: ["logs"] });
    // Act
    const ids: unknown[] = [];
    let path = "/v1/api-keys?limit=2";
    for (let i = 0; i < 10; i++) {
      const page = await h.call("GET", path, admin);
      ids.push(...(field(page.json, "data") as unknown[]).map((k) => field(k, "id")));
      const next = field(page.json, "next_cursor");
      if (typeof next !== "string") break;
      path = `/v1/api-keys?limit=2&cursor=${next}`;
    }
    // Assess
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(5);
  });

  it("gives keys without their own default the workspace's default config, and expiring keys an expiry", async () => {
    // Prepare
    const slug = text(
      (
        await h.call("POST", "/v1/configs", admin, {
          name: "default",
          config: { retry: { attempts: 1 } },
          is_default: true,
        })
      ).json,
      "slug",
    );
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const created = await h.call("POST", "/v1/api-keys", admin, {
      name: "app",
      scopes: ["completions"],
      expires_at: expiresAt,
    });
    // Act
    const principal = await h.plane.authenticator.authenticate(
      coreRequest("POST", "/v1/chat/completions", { "x-portkey-api-key": text(created.json, "key") }),
      "completions",
    );
    const config = await h.plane.configs.get(principal.workspaceId, principal.defaultConfigId ?? "");
    // Assess
    expect(principal.defaultConfigId).toBe(slug);
    expect(config).toMatchObject({ slug, version: 1, config: { retry: { attempts: 1 } } });
    expect(field(created.json, "expires_at")).toBe(`${expiresAt.slice(0, 19)}.000Z`);
  });

  it("stops a revoked key at once in the same process (admin update forgets the cached principal)", async () => {
    // Prepare
    const created = await h.call("POST", "/v1/api-keys", admin, { name: "soon revoked", scopes: ["completions"] });
    const req = coreRequest("POST", "/v1/chat/completions", { "x-portkey-api-key": text(created.json, "key") });
    await h.plane.authenticator.authenticate(req, "completions");
    // Act
    await h.call("PUT", `/v1/api-keys/${text(created.json, "id")}`, admin, { status: "revoked" });
    // Assess
    await expect(h.plane.authenticator.authenticate(req, "completions")).rejects.toMatchObject({ statusCode: 401 });
  });

  it("refuses to delete a workspace that still owns objects", async () => {
    // Act
    const res = await h.call("DELETE", `/v1/admin/workspaces/${ws}`, ROOT_KEY);
    // Assess
    expect(res.status).toBe(409);
    expect((await h.call("GET", `/v1/admin/workspaces/${ws}`, ROOT_KEY)).status).toBe(200);
  });
});
