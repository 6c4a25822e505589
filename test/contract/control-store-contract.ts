import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadRequestError, ConflictError, NotFoundError } from "../../shared/core/errors";
import type { ControlStore } from "../../shared/store/control-store";
import type { ApiKeyRecord, SavedConfig, SavedPrompt, VirtualKeyRecord, Workspace } from "../../shared/store/types";

/**
 * One repository contract, run against every `ControlStore` implementation (dynalite, moto_server, ...).
 * `newStore(clock)` returns a store whose notion of "now" is `clock()` (epoch ms).
 */
export interface ControlStoreHarness {
  readonly store: ControlStore;
  close(): Promise<void>;
}

export interface ControlStoreContractOptions {
  readonly name: string;
  readonly newStore: (clock: () => number) => Promise<ControlStoreHarness>;
  readonly skip?: readonly { readonly test: string; readonly reason: string }[];
}

const T0 = 1_800_000_000_000;

export function workspaceFixture(overrides: Partial<Workspace> = {}): Workspace {
  const id = `ws-${randomUUID().slice(0, 8)}`;
  return { id, name: `Team ${id}`, version: 1, createdAt: T0, updatedAt: T0, ...overrides };
}

export function apiKeyFixture(workspaceId: string, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  const id = randomUUID().replaceAll("-", "").slice(0, 16);
  return {
    id,
    workspaceId,
    name: "ci key",
    type: "workspace",
    subType: "service",
    scopes: ["completions"],
    status: "active",
    secretHash: "ab".repeat(32),
    displayPrefix: `pk-gw-${id}.Ab3d`,
    version: 1,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

export function virtualKeyFixture(workspaceId: string, slug: string): VirtualKeyRecord {
  return {
    id: randomUUID(),
    workspaceId,
    slug,
    name: slug,
    provider: "openai",
    status: "active",
    providerOptions: { customHost: "https://example.test/v1" },
    encryptedSecret: "lk1:k1:opaque",
    maskedSecret: "****wxyz",
    version: 1,
    createdAt: T0,
    updatedAt: T0,
  };
}

export function configFixture(
  workspaceId: string,
  slug: string,
  config: unknown = { retry: { attempts: 2 } },
): SavedConfig {
  return {
    workspaceId,
    slug,
    name: slug,
    status: "active",
    configJson: JSON.stringify(config),
    version: 1,
    createdAt: T0,
    updatedAt: T0,
  };
}

export function promptFixture(workspaceId: string, slug: string, template = "Hello {{name}}"): SavedPrompt {
  return {
    workspaceId,
    slug,
    name: slug,
    collectionId: "default",
    status: "active",
    template,
    parametersJson: JSON.stringify({ temperature: 0.2, max_tokens: 64 }),
    model: "gpt-4o-mini",
    virtualKey: "openai-main",
    promptVersion: 1,
    publishedVersion: 1,
    version: 1,
    createdAt: T0,
    updatedAt: T0,
  };
}

export function runControlStoreContract(options: ControlStoreContractOptions): void {
  describe(`ControlStore contract: ${options.name}`, () => {
    let now = T0;
    let harness: ControlStoreHarness;
    let store: ControlStore;

    beforeAll(async () => {
      harness = await options.newStore(() => now);
      store = harness.store;
    });
    afterAll(async () => {
      await harness?.close();
    });

    it("creates a workspace once and refuses a second create with the same id", async () => {
      // Prepare
      const ws = workspaceFixture();
      // Act
      await store.createWorkspace(ws);
      // Assess
      expect(await store.getWorkspace(ws.id)).toEqual(ws);
      await expect(store.createWorkspace(ws)).rejects.toBeInstanceOf(ConflictError);
      expect(await store.getWorkspace("ws-missing")).toBeUndefined();
    });

    it("replaces with the expected version, bumps it, and rejects stale or missing targets", async () => {
      // Prepare
      const ws = await store.createWorkspace(workspaceFixture());
      now = T0 + 5_000;
      // Act
      const saved = await store.replaceWorkspace({ ...ws, name: "renamed" }, 1);
      // Assess
      expect(saved).toMatchObject({ name: "renamed", version: 2, updatedAt: T0 + 5_000 });
      expect(await store.getWorkspace(ws.id)).toEqual(saved);
      await expect(store.replaceWorkspace({ ...ws, name: "stale" }, 1)).rejects.toBeInstanceOf(ConflictError);
      await expect(store.replaceWorkspace(workspaceFixture(), 1)).rejects.toBeInstanceOf(NotFoundError);
      expect((await store.getWorkspace(ws.id))?.name).toBe("renamed");
    });

    const race = "lets exactly one of N concurrent updates with the same expected version win (no lost write)";
    (options.skip?.some((s) => s.test === race) ? it.skip : it)(race, async () => {
      // Prepare
      const ws = await store.createWorkspace(workspaceFixture());
      const vk = await store.createVirtualKey(virtualKeyFixture(ws.id, "race"));
      const writers = Array.from({ length: 8 }, (_, i) => ({ ...vk, name: `writer-${i}` }));
      // Act
      const results = await Promise.allSettled(writers.map((next) => store.replaceVirtualKey(next, 1)));
      // Assess
      const winners = results.filter((r) => r.status === "fulfilled");
      const losers = results.filter((r) => r.status === "rejected");
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(7);
      for (const loser of losers) expect((loser as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
      const stored = await store.getVirtualKey(ws.id, "race");
      expect(stored?.version).toBe(2);
      expect(stored?.name).toBe((winners[0] as PromiseFulfilledResult<VirtualKeyRecord>).value.name);
    });

    it("pages through a workspace's API keys with an opaque cursor, seeing each key once", async () => {
      // Prepare
      const ws = await store.createWorkspace(workspaceFixture());
      const other = await store.createWorkspace(workspaceFixture());
      const created: ApiKeyRecord[] = [];
      for (let i = 0; i < 5; i++) created.push(await store.createApiKey(apiKeyFixture(ws.id, { createdAt: T0 + i })));
      await store.createApiKey(apiKeyFixture(other.id));
      // Act
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.listApiKeys(ws.id, { limit: 2, cursor });
        seen.push(...page.items.map((k) => k.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== undefined && pages < 10);
      // Assess
      expect(seen).toEqual(created.map((k) => k.id));
      expect(pages).toBeGreaterThanOrEqual(3);
    });

    it("rejects a cursor taken from another workspace's list and a forged cursor", async () => {
      // Prepare
      const a = await store.createWorkspace(workspaceFixture());
      const b = await store.createWorkspace(workspaceFixture());
      for (const slug of ["a1", "a2", "a3"]) await store.createVirtualKey(virtualKeyFixture(a.id, slug));
      await store.createVirtualKey(virtualKeyFixture(b.id, "b1"));
      const first = await store.listVirtualKeys(a.id, { limit: 1 });
      // Act + Assess
      expect(first.nextCursor).toBeDefined();
      await expect(store.listVirtualKeys(b.id, { limit: 1, cursor: first.nextCursor })).rejects.toBeInstanceOf(
        BadRequestError,
      );
      await expect(store.listVirtualKeys(a.id, { limit: 1, cursor: "not-a-cursor" })).rejects.toBeInstanceOf(
        BadRequestError,
      );
      const second = await store.listVirtualKeys(a.id, { limit: 1, cursor: first.nextCursor });
      expect(second.items.map((k) => k.slug)).toEqual(["a2"]);
    });

    it("treats an item past its expiresAt as gone even though TTL has not deleted it", async () => {
      // Prepare
      const ws = await store.createWorkspace(workspaceFixture());
      const key = await store.createApiKey(apiKeyFixture(ws.id, { expiresAt: Math.floor(T0 / 1000) + 60 }));
      now = T0;
      expect(await store.getApiKey(key.id)).toBeDefined();
      // Act
      now = T0 + 61_000;
      // Assess
      expect(await store.getApiKey(key.id)).toBeUndefined();
      expect((await store.listApiKeys(ws.id, { limit: 10 })).items).toEqual([]);
      now = T0;
    });

    it("keeps virtual-key slugs unique per workspace but not across workspaces", async () => {
      // Prepare
      const a = await store.createWorkspace(workspaceFixture());
      const b = await store.createWorkspace(workspaceFixture());
      const slug = `openai-${randomUUID().slice(0, 6)}`;
      await store.createVirtualKey(virtualKeyFixture(a.id, slug));
      // Act + Assess
      await expect(store.createVirtualKey(virtualKeyFixture(a.id, slug))).rejects.toBeInstanceOf(ConflictError);
      await store.createVirtualKey(virtualKeyFixture(b.id, slug));
      expect([...(await store.findSlugOwners("virtual-key", slug))].sort()).toEqual([a.id, b.id].sort());
      expect((await store.listVirtualKeys(a.id, { limit: 10 })).items.map((k) => k.workspaceId)).toEqual([a.id]);
      await store.deleteVirtualKey(a.id, slug);
      expect(await store.getVirtualKey(a.id, slug)).toBeUndefined();
      expect(await store.getVirtualKey(b.id, slug)).toBeDefined();
    });

    it("versions saved configs: each update writes an immutable version and bumps the head", async () => {
      // Prepare
      const ws = await store.createWorkspace(workspaceFixture());
      const v1 = await store.createConfig(configFixture(ws.id, "pc-routing", { retry: { attempts: 1 } }));
      // Act
      const v2 = await store.replaceConfig({ ...v1, configJson: JSON.stringify({ retry: { attempts: 5 } }) }, 1);
      // Assess
      expect(v2.version).toBe(2);
      expect((await store.getConfig(ws.id, "pc-routing"))?.configJson).toBe('{"retry":{"attempts":5}}');
      expect((await store.getConfigVersion(ws.id, "pc-routing", 1))?.configJson).toBe('{"retry":{"attempts":1}}');
      expect((await store.getConfigVersion(ws.id, "pc-routing", 2))?.configJson).toBe('{"retry":{"attempts":5}}');
      await expect(store.replaceConfig({ ...v1, name: "stale" }, 1)).rejects.toBeInstanceOf(ConflictError);
      const listed = await store.listConfigs(ws.id, { limit: 10 });
      expect(listed.items.map((c) => [c.slug, c.version])).toEqual([["pc-routing", 2]]);
      expect(await store.findSlugOwners("config", "pc-routing")).toContain(ws.id);
    });

    it("deletes a config with its history so the slug can start over", async () => {
      // Prepare
      const ws = await store.createWorkspace(workspaceFixture());
      const v1 = await store.createConfig(configFixture(ws.id, "pc-short-lived"));
      await store.replaceConfig({ ...v1, configJson: "{}" }, 1);
      // Act
      await store.deleteConfig(ws.id, "pc-short-lived");
      // Assess
      expect(await store.getConfig(ws.id, "pc-short-lived")).toBeUndefined();
      expect(await store.getConfigVersion(ws.id, "pc-short-lived", 2)).toBeUndefined();
      const again = await store.createConfig(configFixture(ws.id, "pc-short-lived", { fresh: true }));
      expect(again.version).toBe(1);
      expect((await store.getConfigVersion(ws.id, "pc-short-lived", 1))?.configJson).toBe('{"fresh":true}');
    });

    it("versions prompts: content updates write immutable versions, publishing writes none", async () => {
      // Prepare
      const ws = await store.createWorkspace(workspaceFixture());
      const v1 = await store.createPrompt(promptFixture(ws.id, "pp-support", "v1 {{a}}"));
      // Act
      const v2 = await store.replacePrompt({ ...v1, template: "v2 {{a}}", promptVersion: 2 }, 1);
      const published = await store.replacePrompt({ ...v2, publishedVersion: 2 }, 2);
      // Assess
      expect(published).toMatchObject({ version: 3, promptVersion: 2, publishedVersion: 2, template: "v2 {{a}}" });
      expect(await store.getPrompt(ws.id, "pp-support")).toEqual(published);
      expect((await store.getPromptVersion(ws.id, "pp-support", 1))?.template).toBe("v1 {{a}}");
      expect(await store.getPromptVersion(ws.id, "pp-support", 2)).toMatchObject({
        workspaceId: ws.id,
        slug: "pp-support",
        promptVersion: 2,
        template: "v2 {{a}}",
        model: "gpt-4o-mini",
        virtualKey: "openai-main",
      });
      expect(await store.getPromptVersion(ws.id, "pp-support", 3)).toBeUndefined();
      await expect(store.replacePrompt({ ...v1, name: "stale" }, 1)).rejects.toBeInstanceOf(ConflictError);
      expect(await store.findSlugOwners("prompt", "pp-support")).toContain(ws.id);
      expect(await store.findSlugOwners("config", "pp-support")).not.toContain(ws.id);
    });

    it("pages through prompts and their versions, kept apart from configs and other workspaces", async () => {
      // Prepare
      const ws = await store.createWorkspace(workspaceFixture());
      const other = await store.createWorkspace(workspaceFixture());
      let head = await store.createPrompt(promptFixture(ws.id, "pp-b"));
      for (let n = 2; n <= 5; n++)
        head = await store.replacePrompt({ ...head, template: `v${n}`, promptVersion: n }, n - 1);
      await store.createPrompt(promptFixture(ws.id, "pp-a"));
      await store.createPrompt(promptFixture(other.id, "pp-c"));
      await store.createConfig(configFixture(ws.id, "pp-z"));
      // Act
      const versions: number[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.listPromptVersions(ws.id, "pp-b", { limit: 2, cursor });
        versions.push(...page.items.map((v) => v.promptVersion));
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== undefined && pages < 10);
      const prompts = await store.listPrompts(ws.id, { limit: 10 });
      const first = await store.listPrompts(ws.id, { limit: 1 });
      // Assess
      expect(versions).toEqual([1, 2, 3, 4, 5]);
      expect(prompts.items.map((p) => [p.slug, p.promptVersion])).toEqual([
        ["pp-a", 1],
        ["pp-b", 5],
      ]);
      await expect(store.listPrompts(other.id, { limit: 1, cursor: first.nextCursor })).rejects.toBeInstanceOf(
        BadRequestError,
      );
      expect((await store.listPromptVersions(other.id, "pp-b", { limit: 10 })).items).toEqual([]);
    });

    it("deletes a prompt with its history so the slug can start over", async () => {
      // Prepare
      const ws = await store.createWorkspace(workspaceFixture());
      const v1 = await store.createPrompt(promptFixture(ws.id, "pp-short-lived", "old"));
      await store.replacePrompt({ ...v1, template: "older", promptVersion: 2 }, 1);
      expect(await store.workspaceHasChildren(ws.id)).toBe(true);
      // Act
      await store.deletePrompt(ws.id, "pp-short-lived");
      // Assess
      expect(await store.getPrompt(ws.id, "pp-short-lived")).toBeUndefined();
      expect(await store.getPromptVersion(ws.id, "pp-short-lived", 2)).toBeUndefined();
      expect(await store.workspaceHasChildren(ws.id)).toBe(false);
      const again = await store.createPrompt(promptFixture(ws.id, "pp-short-lived", "fresh"));
      expect(again.promptVersion).toBe(1);
      expect((await store.getPromptVersion(ws.id, "pp-short-lived", 1))?.template).toBe("fresh");
      await expect(store.createPrompt(promptFixture(ws.id, "pp-short-lived"))).rejects.toBeInstanceOf(ConflictError);
    });

    it("versions saved guardrails like configs and keeps them apart from configs and other workspaces", async () => {
      // Prepare
      const ws = await store.createWorkspace(workspaceFixture());
      const other = await store.createWorkspace(workspaceFixture());
      const base = { workspaceId: ws.id, slug: "pg-secrets", name: "secrets", status: "active" as const };
      const v1 = await store.createGuardrail({
        ...base,
        checksJson: '[{"id":"default.contains"}]',
        actionsJson: "{}",
        version: 1,
        createdAt: T0,
        updatedAt: T0,
      });
      await store.createConfig(configFixture(ws.id, "pg-secrets"));

      // Act
      const v2 = await store.replaceGuardrail({ ...v1, actionsJson: '{"deny":true}' }, 1);
      // (awaited at once: a rejection left pending while another call runs is an unhandled rejection)
      const stale = await store.replaceGuardrail({ ...v1, name: "stale" }, 1).catch((err: unknown) => err);
      const listed = await store.listGuardrails(ws.id, { limit: 10 });

      // Assess
      expect(v2.version).toBe(2);
      expect(stale).toBeInstanceOf(ConflictError);
      expect((await store.getGuardrail(ws.id, "pg-secrets"))?.actionsJson).toBe('{"deny":true}');
      expect((await store.getGuardrailVersion(ws.id, "pg-secrets", 1))?.actionsJson).toBe("{}");
      expect(listed.items.map((g) => [g.slug, g.version])).toEqual([["pg-secrets", 2]]);
      expect(await store.getGuardrail(other.id, "pg-secrets")).toBeUndefined();
      expect(await store.findSlugOwners("guardrail", "pg-secrets")).toEqual([ws.id]);
      await store.deleteGuardrail(ws.id, "pg-secrets");
      expect(await store.getGuardrail(ws.id, "pg-secrets")).toBeUndefined();
      expect(await store.getGuardrailVersion(ws.id, "pg-secrets", 2)).toBeUndefined();
      expect(await store.getConfig(ws.id, "pg-secrets")).toBeDefined();
    });

    it("reports whether a workspace still owns objects", async () => {
      // Prepare
      const empty = await store.createWorkspace(workspaceFixture());
      const withKey = await store.createWorkspace(workspaceFixture());
      const withVk = await store.createWorkspace(workspaceFixture());
      await store.createApiKey(apiKeyFixture(withKey.id));
      await store.createVirtualKey(virtualKeyFixture(withVk.id, "x"));
      // Act + Assess
      expect(await store.workspaceHasChildren(empty.id)).toBe(false);
      expect(await store.workspaceHasChildren(withKey.id)).toBe(true);
      expect(await store.workspaceHasChildren(withVk.id)).toBe(true);
    });

    it("lists workspaces in creation order across pages", async () => {
      // Prepare: other tests created workspaces too; only check relative order of ours
      const mine: Workspace[] = [];
      for (let i = 0; i < 3; i++)
        mine.push(await store.createWorkspace(workspaceFixture({ createdAt: T0 + 1000 + i })));
      // Act
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listWorkspaces({ limit: 4, cursor });
        seen.push(...page.items.map((w) => w.id));
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      // Assess
      const ours = seen.filter((id) => mine.some((w) => w.id === id));
      expect(ours).toEqual(mine.map((w) => w.id));
      expect(new Set(seen).size).toBe(seen.length);
    });

    it("creates a system value once even when creators race", async () => {
      // Prepare
      const name = `pepper-${randomUUID().slice(0, 6)}`;
      let calls = 0;
      // Act
      const values = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          store.getOrCreateSystemValue(name, async () => {
            calls++;
            return `value-${i}`;
          }),
        ),
      );
      // Assess
      expect(new Set(values).size).toBe(1);
      expect(calls).toBeGreaterThanOrEqual(1);
      expect(await store.getOrCreateSystemValue(name, async () => "never")).toBe(values[0]);
    });
  });
}
