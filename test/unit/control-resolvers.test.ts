import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { beforeEach, describe, expect, it } from "vitest";
import { LocalKeyringCipher } from "../../shared/crypto/local-keyring-cipher";
import type { CipherContext } from "../../shared/crypto/secret-cipher";
import { REDACTED, redactSecrets } from "../../shared/logging/redact";
import { PromptResolver, type ResolvedPrompt } from "../../shared/prompts/prompt-resolver";
import { ConfigResolver } from "../../shared/store/config-resolver";
import { MemoryControlStore } from "../../shared/store/memory-control-store";
import type { PromptVersionRecord, SavedConfig, VirtualKeyRecord } from "../../shared/store/types";
import { VirtualKeyResolver } from "../../shared/store/virtual-key-resolver";
import { promptFixture } from "../contract/control-store-contract";

const T0 = 1_800_000_000_000;

class CountingStore extends MemoryControlStore {
  reads = 0;
  /** Runs after a virtual-key read, before its answer is returned (to hold a read in flight). */
  afterRead: (() => Promise<void>) | undefined;
  override async getVirtualKey(ws: string, slug: string): Promise<VirtualKeyRecord | undefined> {
    this.reads++;
    await new Promise((resolve) => setTimeout(resolve, 2));
    const record = await super.getVirtualKey(ws, slug);
    await this.afterRead?.();
    return record;
  }
  override async getConfig(ws: string, slug: string): Promise<SavedConfig | undefined> {
    this.reads++;
    return super.getConfig(ws, slug);
  }
}

class CountingCipher extends LocalKeyringCipher {
  decrypts = 0;
  override async decrypt(ciphertext: string, context: CipherContext): Promise<string> {
    this.decrypts++;
    return super.decrypt(ciphertext, context);
  }
}

describe("VirtualKeyResolver", () => {
  let now: number;
  let store: CountingStore;
  let cipher: CountingCipher;
  let resolver: VirtualKeyResolver;

  async function addKey(slug: string, apiKey: string, status: VirtualKeyRecord["status"] = "active"): Promise<void> {
    await store.createVirtualKey({
      id: slug,
      workspaceId: "ws-a",
      slug,
      name: slug,
      provider: "azure-openai",
      status,
      providerOptions: { resourceName: "res", deploymentId: "dep", apiVersion: "2024-06-01" },
      encryptedSecret: await cipher.encrypt(JSON.stringify({ apiKey }), { workspace: "ws-a", virtualKey: slug }),
      maskedSecret: "****",
      version: 1,
      createdAt: T0,
      updatedAt: T0,
    });
  }

  beforeEach(() => {
    now = T0;
    store = new CountingStore(() => now);
    const id = "k1";
    cipher = new CountingCipher({ active: id, keys: { [id]: randomBytes(32).toString("base64") } });
    resolver = new VirtualKeyResolver({ store, cipher, now: () => now });
  });

  it("decrypts once, then serves warm lookups from memory with no store or cipher call", async () => {
    // Prepare
    await addKey("azure-prod", "azure-secret-1");
    await resolver.resolve("ws-a", "azure-prod");
    // Act
    const started = performance.now();
    for (let i = 0; i < 10_000; i++) await resolver.resolve("ws-a", "azure-prod");
    const perLookupUs = ((performance.now() - started) / 10_000) * 1000;
    const resolved = await resolver.resolve("ws-a", "azure-prod");
    // Assess
    expect(resolved).toMatchObject({ provider: "azure-openai", secret: { apiKey: "azure-secret-1" } });
    expect(resolved.options).toEqual({ resourceName: "res", deploymentId: "dep", apiVersion: "2024-06-01" });
    expect([store.reads, cipher.decrypts]).toEqual([1, 1]);
    expect(perLookupUs).toBeLessThan(50);
  });

  it("lists a workspace's active keys once per TTL, with no secret and no decrypt; forget reads again", async () => {
    // Prepare
    await addKey("b-key", "secret-b");
    await addKey("a-key", "secret-a");
    await addKey("off-key", "secret-off", "disabled");
    let lists = 0;
    const list = store.listVirtualKeys.bind(store);
    store.listVirtualKeys = (ws, page) => {
      lists++;
      return list(ws, page);
    };
    // Act
    const first = await resolver.list("ws-a");
    const warm = await resolver.list("ws-a");
    const otherWorkspace = await resolver.list("ws-b");
    resolver.forget("ws-a", "a-key");
    await resolver.list("ws-a");
    now += 61_000;
    await resolver.list("ws-a");
    // Assess
    expect(first).toEqual([
      { slug: "a-key", provider: "azure-openai" },
      { slug: "b-key", provider: "azure-openai" },
    ]);
    expect(warm).toBe(first);
    expect(otherWorkspace).toEqual([]);
    expect(JSON.stringify(first)).not.toContain("secret");
    expect([lists, cipher.decrypts]).toEqual([4, 0]);
  });

  it("registers the decrypted secret so the request log redacts any echo of it, whatever its shape", async () => {
    // Prepare
    const azureKey = randomBytes(16).toString("hex");
    await addKey("azure-echo", azureKey);
    const echoed = JSON.stringify({ error: { message: `Access denied due to invalid subscription key ${azureKey}.` } });
    // Act
    await resolver.resolve("ws-a", "azure-echo");
    // Assess
    expect(redactSecrets(echoed)).not.toContain(azureKey);
    expect(redactSecrets(echoed)).toContain(REDACTED);
  });

  it("coalesces concurrent cold lookups into one read and one decrypt", async () => {
    // Prepare
    await addKey("azure-prod", "azure-secret-1");
    // Act
    const all = await Promise.all(Array.from({ length: 20 }, () => resolver.resolve("ws-a", "azure-prod")));
    // Assess
    expect(new Set(all.map((r) => r.secret.apiKey))).toEqual(new Set(["azure-secret-1"]));
    expect([store.reads, cipher.decrypts]).toEqual([1, 1]);
  });

  it("picks up a rotated secret after the 60 s TTL", async () => {
    // Prepare
    await addKey("azure-prod", "old-secret");
    await resolver.resolve("ws-a", "azure-prod");
    const current = await store.getVirtualKey("ws-a", "azure-prod");
    const rotated = await cipher.encrypt(JSON.stringify({ apiKey: "new-secret" }), {
      workspace: "ws-a",
      virtualKey: "azure-prod",
    });
    await store.replaceVirtualKey({ ...current!, encryptedSecret: rotated }, 1);
    // Act
    now = T0 + 59_000;
    const before = await resolver.resolve("ws-a", "azure-prod");
    now = T0 + 60_001;
    const after = await resolver.resolve("ws-a", "azure-prod");
    // Assess
    expect(before.secret.apiKey).toBe("old-secret");
    expect(after.secret.apiKey).toBe("new-secret");
  });

  it("uses a secret rotated in this process at once, even while a read of the old one was in flight", async () => {
    // Prepare: the cold read has fetched the old record and is still decrypting when the admin path rotates
    await addKey("azure-prod", "old-secret");
    let releaseRead: () => void = () => {};
    const readDone = new Promise<void>((resolve) => {
      store.afterRead = () => {
        resolve();
        return new Promise<void>((release) => {
          releaseRead = release;
        });
      };
    });
    const inFlight = resolver.resolve("ws-a", "azure-prod");
    await readDone;
    store.afterRead = undefined;
    // Act
    const current = await store.getVirtualKey("ws-a", "azure-prod");
    const rotated = await cipher.encrypt(JSON.stringify({ apiKey: "new-secret" }), {
      workspace: "ws-a",
      virtualKey: "azure-prod",
    });
    await store.replaceVirtualKey({ ...current!, encryptedSecret: rotated }, 1);
    resolver.forget("ws-a", "azure-prod");
    releaseRead();
    await inFlight;
    const after = await resolver.resolve("ws-a", "azure-prod");
    // Assess
    expect(after.secret.apiKey).toBe("new-secret");
  });

  it("answers 404 for unknown slugs (remembered briefly) and 403 for disabled keys", async () => {
    // Prepare
    await addKey("off", "x", "disabled");
    // Act + Assess
    await expect(resolver.resolve("ws-a", "nope")).rejects.toMatchObject({ statusCode: 404 });
    await expect(resolver.resolve("ws-a", "nope")).rejects.toMatchObject({ statusCode: 404 });
    expect(store.reads).toBe(1);
    await expect(resolver.resolve("ws-a", "off")).rejects.toMatchObject({ statusCode: 403 });
    await expect(resolver.resolve("ws-b", "off")).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe("ConfigResolver", () => {
  it("returns the stored config and version, cached until the TTL, and 404 for archived configs", async () => {
    // Prepare
    let now = T0;
    const store = new CountingStore(() => now);
    const head: SavedConfig = {
      workspaceId: "ws-a",
      slug: "pc-main",
      name: "main",
      status: "active",
      configJson: '{"retry":{"attempts":2}}',
      version: 1,
      createdAt: T0,
      updatedAt: T0,
    };
    await store.createConfig(head);
    await store.createConfig({ ...head, slug: "pc-old", status: "archived" });
    const resolver = new ConfigResolver({ store, now: () => now });
    // Act
    const first = await resolver.get("ws-a", "pc-main");
    await store.replaceConfig({ ...head, configJson: '{"retry":{"attempts":5}}' }, 1);
    const cached = await resolver.get("ws-a", "pc-main");
    now = T0 + 60_001;
    const refreshed = await resolver.get("ws-a", "pc-main");
    // Assess
    expect(first).toEqual({ workspaceId: "ws-a", slug: "pc-main", version: 1, config: { retry: { attempts: 2 } } });
    expect(cached.version).toBe(1);
    expect(refreshed).toMatchObject({ version: 2, config: { retry: { attempts: 5 } } });
    await expect(resolver.get("ws-a", "pc-old")).rejects.toMatchObject({ statusCode: 404 });
    await expect(resolver.get("ws-b", "pc-main")).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe("PromptResolver", () => {
  class PromptCountingStore extends MemoryControlStore {
    versionReads = 0;
    override async getPromptVersion(ws: string, slug: string, n: number): Promise<PromptVersionRecord | undefined> {
      this.versionReads++;
      return super.getPromptVersion(ws, slug, n);
    }
  }
  const render = (resolved: ResolvedPrompt) => resolved.compiled.renderMessages({ name: "Ana" });

  it("serves the head's version without a version read, an older one with one read, a newer one never", async () => {
    // Prepare
    const now = T0;
    const store = new PromptCountingStore(() => now);
    const v1 = await store.createPrompt(promptFixture("ws-a", "pp-hi", "v1 {{name}}"));
    await store.replacePrompt({ ...v1, template: "v2 {{name}}", promptVersion: 2 }, 1);
    const resolver = new PromptResolver({ store, now: () => now });
    // Act
    const published = await resolver.resolve("ws-a", "pp-hi");
    const latest = await resolver.resolve("ws-a", "pp-hi@latest");
    await resolver.resolve("ws-a", "pp-hi@1");
    // Assess
    expect([published.promptVersion, latest.promptVersion]).toEqual([1, 2]);
    expect(render(published)).toEqual([{ role: "user", content: "v1 Ana" }]);
    expect(render(latest)).toEqual([{ role: "user", content: "v2 Ana" }]);
    expect(store.versionReads).toBe(1);
    await expect(resolver.resolve("ws-a", "pp-hi@3")).rejects.toMatchObject({ statusCode: 404 });
    expect(store.versionReads).toBe(1);
  });

  it("serves a prompt re-created in this process under the same slug (same instant) with its new template", async () => {
    // Prepare
    const store = new MemoryControlStore(() => T0);
    await store.createPrompt(promptFixture("ws-a", "pp-hi", "old {{name}}"));
    const resolver = new PromptResolver({ store, now: () => T0 });
    await resolver.resolve("ws-a", "pp-hi");
    // Act
    await store.deletePrompt("ws-a", "pp-hi");
    await store.createPrompt(promptFixture("ws-a", "pp-hi", "new {{name}}"));
    resolver.forget("ws-a", "pp-hi");
    const again = await resolver.resolve("ws-a", "pp-hi");
    // Assess
    expect(render(again)).toEqual([{ role: "user", content: "new Ana" }]);
  });
});
