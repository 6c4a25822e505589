import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CacheConfigSchema } from "../../shared/cache/cache-config-schema";
import { type CacheKeyInput, cacheKey, canonicalJson } from "../../shared/cache/cache-key";
import { MemoryCacheStore } from "../../shared/cache/memory-cache-store";
import { isCacheMiss, ResponseCache } from "../../shared/cache/response-cache";

const base: CacheKeyInput = {
  workspaceId: "ws1",
  endpoint: "chat",
  provider: "openai",
  model: "gpt-4o-mini",
  body: { model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }], temperature: 0.2 },
};

describe("cache key", () => {
  it("ignores key order, stream flags, user and null parameters", () => {
    // Prepare
    const reordered: CacheKeyInput = {
      ...base,
      body: { temperature: 0.2, messages: [{ content: "Hi", role: "user" }], stream: true, user: "u-42", seed: null },
    };
    // Act / Assess
    expect(cacheKey(reordered)).toBe(cacheKey(base));
  });

  it("changes with every parameter that changes the answer, and with provider, model, workspace and namespace", () => {
    // Prepare
    const variants: CacheKeyInput[] = [
      { ...base, body: { ...base.body, temperature: 0.3 } },
      { ...base, body: { ...base.body, seed: 7 } },
      { ...base, body: { ...base.body, response_format: { type: "json_object" } } },
      { ...base, body: { ...base.body, tools: [{ type: "function", function: { name: "f" } }] } },
      { ...base, body: { ...base.body, max_tokens: 10 } },
      { ...base, body: { ...base.body, messages: [{ role: "user", content: "Hi!" }] } },
      { ...base, provider: "azure-openai" },
      { ...base, model: "gpt-4o" },
      { ...base, workspaceId: "ws2" },
      { ...base, namespace: "team-a" },
      { ...base, endpoint: "completions" },
    ];
    // Act
    const keys = new Set([cacheKey(base), ...variants.map(cacheKey)]);
    // Assess
    expect(keys.size).toBe(variants.length + 1);
  });

  it("names who answers: custom host, virtual key and answer-changing provider options, not credentials", () => {
    // Prepare
    const azure: CacheKeyInput = {
      ...base,
      provider: "azure-openai",
      options: { resourceName: "r1", deploymentId: "d1" },
    };
    const variants: CacheKeyInput[] = [
      { ...base, customHost: "https://attacker.example/v1" },
      { ...base, virtualKey: "openai-prod" },
      { ...base, virtualKey: "openai-dev" },
      { ...azure, options: { resourceName: "r1", deploymentId: "d2" } },
      { ...azure, options: { resourceName: "r2", deploymentId: "d1" } },
      { ...azure, options: { resourceName: "r1", deploymentId: "d1", apiVersion: "2024-10-21" } },
    ];
    // Act
    const keys = new Set([cacheKey(base), cacheKey(azure), ...variants.map(cacheKey)]);
    const otherAccount = cacheKey({
      ...azure,
      options: { ...azure.options, awsSecretAccessKey: "s", awsAccessKeyId: "a" },
    });
    // Assess
    expect(keys.size).toBe(variants.length + 2);
    expect(otherAccount).toBe(cacheKey(azure));
  });

  it("canonical JSON is independent of key order for any object (property)", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(obj));
      }),
    );
  });

  it("validates cache configs with documented defaults", () => {
    // Act / Assess
    expect(CacheConfigSchema.parse({ mode: "simple" })).toEqual({
      mode: "simple",
      max_age: 604_800,
      similarity_threshold: 0.95,
    });
    expect(() => CacheConfigSchema.parse({ mode: "fuzzy" })).toThrow();
  });
});

describe("memory cache store", () => {
  it("expires entries on read and evicts the least recently used", async () => {
    // Prepare
    const clock = { ms: 1_000 };
    const store = new MemoryCacheStore({ maxEntries: 2, maxBytes: 1_000_000, now: () => clock.ms });
    const entry = (body: string, ttl: number) => ({
      body,
      provider: "p",
      model: "m",
      createdAtMs: clock.ms,
      expiresAtMs: clock.ms + ttl,
    });
    await store.put("ws", "a", entry("A", 10_000));
    await store.put("ws", "b", entry("B", 500));
    await store.get("ws", "a"); // a is now the most recent
    // Act
    await store.put("ws", "c", entry("C", 10_000)); // evicts b
    const b = await store.get("ws", "b");
    clock.ms += 20_000;
    const a = await store.get("ws", "a");
    // Assess
    expect(b).toBeUndefined();
    expect(a).toBeUndefined();
    expect(store.size).toBe(1);
  });
});

describe("response cache", () => {
  it("files a fallback's answer under the model that actually answered", async () => {
    // Prepare
    const now = () => 5_000;
    const cache = new ResponseCache({ store: new MemoryCacheStore({ maxEntries: 10, maxBytes: 1e6, now }), now });
    const config = CacheConfigSchema.parse({ mode: "simple", max_age: 60 });
    const primary = base;
    const fallback: CacheKeyInput = { ...base, provider: "anthropic", model: "claude-sonnet" };
    const miss = await cache.lookup({ key: primary, config, forceRefresh: false });
    if (!isCacheMiss(miss)) throw new Error("expected a miss");
    // Act
    await cache.store(miss, fallback, { body: "{}", provider: "anthropic", model: "claude-sonnet" });
    // Assess
    expect((await cache.lookup({ key: primary, config, forceRefresh: false })).status).toBe("MISS");
    expect(await cache.lookup({ key: fallback, config, forceRefresh: false })).toMatchObject({
      status: "HIT",
      entry: { model: "claude-sonnet", expiresAtMs: 65_000 },
    });
  });
});
