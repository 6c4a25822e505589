import { describe, expect, it } from "vitest";
import {
  MemorySemanticIndex,
  type SemanticEntry,
  type SemanticIndex,
} from "../../shared/cache/semantic/semantic-index";
import { TieredSemanticIndex } from "../../shared/cache/semantic/tiered-semantic-index";
import { GatewayError } from "../../shared/core/errors";
import { compileConfig } from "../../shared/routing/compile";

function configError(config: unknown): { code?: string | null; param?: string | null; message: string } {
  try {
    compileConfig(config);
  } catch (err) {
    if (err instanceof GatewayError) return { code: err.code, param: err.param, message: err.message };
    throw err;
  }
  throw new Error("the config was accepted");
}

describe("cache.embedding in configs", () => {
  it("refuses semantic mode without an embedding target, naming the exact path", () => {
    // Act
    const missing = configError({ virtual_key: "vk", cache: { mode: "semantic" } });
    const nested = configError({
      strategy: { mode: "fallback" },
      targets: [{ virtual_key: "a" }, { virtual_key: "b", cache: { mode: "semantic", embedding: { model: "m" } } }],
    });
    const both = configError({
      virtual_key: "vk",
      cache: { mode: "semantic", embedding: { virtual_key: "e", provider: "openai", model: "m" } },
    });
    const noModel = configError({ virtual_key: "vk", cache: { mode: "semantic", embedding: { virtual_key: "e" } } });
    const unused = configError({
      virtual_key: "vk",
      cache: { mode: "simple", embedding: { virtual_key: "e", model: "m" } },
    });
    // Assess
    expect(missing).toMatchObject({ code: "invalid_config", param: "config.cache.embedding" });
    expect(missing.message).toContain('required when mode is "semantic"');
    expect(nested).toMatchObject({ code: "invalid_config", param: "config.targets[1].cache.embedding" });
    expect(both.param).toBe("config.cache.embedding.provider");
    expect(noModel.param).toBe("config.cache.embedding.model");
    expect(unused.param).toBe("config.cache.embedding");
  });

  it("compiles the target into every leaf it applies to, and SSRF-checks its custom host with the plan", () => {
    // Act
    const plan = compileConfig({
      cache: {
        mode: "semantic",
        similarity_threshold: 0.9,
        embedding: { provider: "openai", api_key: "sk-e", custom_host: "http://10.0.0.5/v1", model: "emb" },
      },
      strategy: { mode: "fallback" },
      targets: [{ virtual_key: "a" }, { virtual_key: "b" }],
    });
    // Assess
    expect(plan.leaves.map((l) => l.cache?.embedding)).toEqual([
      { provider: "openai", apiKey: "sk-e", customHost: "http://10.0.0.5/v1", model: "emb" },
      { provider: "openai", apiKey: "sk-e", customHost: "http://10.0.0.5/v1", model: "emb" },
    ]);
    expect(plan.leaves[0]?.cache?.similarityThreshold).toBe(0.9);
    expect(plan.customHosts).toContain("http://10.0.0.5/v1");
  });
});

describe("tiered semantic index", () => {
  const entry = (id: string, createdAtMs: number, expiresAtMs = 10_000): SemanticEntry => ({
    id,
    vector: Float32Array.from([1, 0]),
    responseHash: `h-${id}`,
    createdAtMs,
    expiresAtMs,
  });

  it("sees its own writes at once (before the shared write lands) and merges both tiers", async () => {
    // Prepare: a shared index whose writes take a while
    const shared = new MemorySemanticIndex(() => 0);
    let release: () => void = () => {};
    const slow: SemanticIndex = {
      query: (ws, bucket, limit) => shared.query(ws, bucket, limit),
      put: (ws, buckets, e) =>
        new Promise<void>((resolve) => {
          release = () => void shared.put(ws, buckets, e).then(resolve);
        }),
    };
    const tiered = new TieredSemanticIndex(slow, { maxBuckets: 10, perBucket: 4, now: () => 0 });
    await shared.put("ws", ["b1"], entry("from-other-instance", 1));
    // Act
    const write = tiered.put("ws", ["b1", "b2"], entry("mine", 2));
    const beforeShared = await tiered.query("ws", "b1", 10);
    release();
    await write;
    const afterShared = await tiered.query("ws", "b1", 10);
    const otherWorkspace = await tiered.query("ws2", "b1", 10);
    // Assess
    expect(beforeShared.map((e) => e.id)).toEqual(["mine", "from-other-instance"]);
    expect(afterShared.map((e) => e.id)).toEqual(["mine", "from-other-instance"]);
    expect(otherWorkspace).toEqual([]);
  });

  it("keeps memory bounded and drops expired entries", async () => {
    // Prepare
    let now = 0;
    const tiered = new TieredSemanticIndex(new MemorySemanticIndex(() => now), {
      maxBuckets: 2,
      perBucket: 2,
      now: () => now,
    });
    // Act
    await tiered.put("ws", ["b1"], entry("a", 1, 100));
    await tiered.put("ws", ["b1"], entry("b", 2));
    await tiered.put("ws", ["b1"], entry("c", 3));
    now = 500;
    const b1 = await tiered.query("ws", "b1", 1);
    // Assess: newest first, limited; the expired one is gone from both tiers
    expect(b1.map((e) => e.id)).toEqual(["c"]);
    expect((await tiered.query("ws", "b1", 10)).map((e) => e.id)).toEqual(["c", "b"]);
  });
});
