import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { beforeEach, describe, expect, it } from "vitest";
import { LocalKeyringCipher } from "../../shared/crypto/local-keyring-cipher";
import type { CipherContext } from "../../shared/crypto/secret-cipher";
import { REDACTED, redactSecrets } from "../../shared/logging/redact";
import { ConfigResolver } from "../../shared/store/config-resolver";
import { MemoryControlStore } from "../../shared/store/memory-control-store";
import type { SavedConfig, VirtualKeyRecord } from "../../shared/store/types";
import { VirtualKeyResolver } from "../../shared/store/virtual-key-resolver";

const T0 = 1_800_000_000_000;

class CountingStore extends MemoryControlStore {
  reads = 0;
  override async getVirtualKey(ws: string, slug: string): Promise<VirtualKeyRecord | undefined> {
    this.reads++;
    await new Promise((resolve) => setTimeout(resolve, 2));
    return super.getVirtualKey(ws, slug);
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
