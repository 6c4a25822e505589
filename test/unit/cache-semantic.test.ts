import { describe, expect, it } from "vitest";
import { CacheConfigSchema } from "../../shared/cache/cache-config-schema";
import type { CacheKeyInput } from "../../shared/cache/cache-key";
import { MemoryCacheStore } from "../../shared/cache/memory-cache-store";
import { ResponseCache } from "../../shared/cache/response-cache";
import { cosineSimilarity, DEFAULT_LSH, RandomHyperplaneLsh } from "../../shared/cache/semantic/lsh";
import { SemanticCache } from "../../shared/cache/semantic/semantic-cache";
import { MemorySemanticIndex } from "../../shared/cache/semantic/semantic-index";
import { semanticView } from "../../shared/cache/semantic/semantic-request";

/** Deterministic fake embedding provider: a base direction, and texts at chosen distances from it. */
function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0;
    return s / 4_294_967_296 - 0.5;
  };
}
const DIMS = 64;
const rand = seeded(42);
const baseVec = Array.from({ length: DIMS }, rand);
const noise = Array.from({ length: DIMS }, rand);
const near = (k: number) => baseVec.map((v, i) => v + k * (noise[i] as number));
const VECTORS: Record<string, number[]> = {
  "What is the capital of France?": baseVec,
  "what's the capital of france": near(0.1), // a paraphrase
  "Which city is France's capital?": near(0.6), // related, further away
  "How do I bake bread?": Array.from({ length: DIMS }, rand),
};
const embedCalls: string[] = [];
async function fakeEmbed(text: string): Promise<number[]> {
  embedCalls.push(text);
  const v = VECTORS[text];
  if (!v) throw new Error(`no fake embedding for ${text}`);
  return v;
}

function setup() {
  const now = () => 1_000_000;
  const store = new MemoryCacheStore({ maxEntries: 100, maxBytes: 10_000_000, now });
  const semantic = new SemanticCache({
    index: new MemorySemanticIndex(now),
    store,
    embed: fakeEmbed,
    lsh: new RandomHyperplaneLsh(DEFAULT_LSH),
    perBucketLimit: 16,
    now,
  });
  return new ResponseCache({ store, semantic, now });
}

const ask = (text: string, extra: Record<string, unknown> = {}): CacheKeyInput => ({
  workspaceId: "ws1",
  endpoint: "chat",
  provider: "openai",
  model: "gpt-4o-mini",
  body: {
    messages: [
      { role: "system", content: "Be brief." },
      { role: "user", content: text },
    ],
    ...extra,
  },
});
const answer = { body: '{"object":"chat.completion","choices":[]}', provider: "openai", model: "gpt-4o-mini" };

describe("semantic cache", () => {
  it("serves a paraphrase above the threshold and refuses a looser match below it", async () => {
    // Prepare
    const cache = setup();
    const config = CacheConfigSchema.parse({ mode: "semantic", similarity_threshold: 0.95 });
    const first = await cache.lookup({ key: ask("What is the capital of France?"), config, forceRefresh: false });
    if (first.status !== "SEMANTIC MISS") throw new Error(`expected a semantic miss, got ${first.status}`);
    await cache.store(first, ask("What is the capital of France?"), answer);
    const simNear = cosineSimilarity(baseVec, near(0.1));
    const simFar = cosineSimilarity(baseVec, near(0.6));
    // Act
    const paraphrase = await cache.lookup({ key: ask("what's the capital of france"), config, forceRefresh: false });
    const looser = await cache.lookup({ key: ask("Which city is France's capital?"), config, forceRefresh: false });
    const looserWithLowThreshold = await cache.lookup({
      key: ask("Which city is France's capital?"),
      config: { ...config, similarity_threshold: simFar - 0.01 },
      forceRefresh: false,
    });
    // Assess
    expect(simNear).toBeGreaterThan(0.95);
    expect(simFar).toBeLessThan(0.95);
    expect(paraphrase).toMatchObject({ status: "SEMANTIC HIT", entry: { body: answer.body } });
    expect(looser.status).toBe("SEMANTIC MISS");
    expect(looserWithLowThreshold.status).toBe("SEMANTIC HIT");
  });

  it("never matches across different system prompts or parameters", async () => {
    // Prepare
    const cache = setup();
    const config = CacheConfigSchema.parse({ mode: "semantic" });
    const first = await cache.lookup({ key: ask("What is the capital of France?"), config, forceRefresh: false });
    if (first.status !== "SEMANTIC MISS") throw new Error("expected a semantic miss");
    await cache.store(first, ask("What is the capital of France?"), answer);
    // Act
    const otherTemp = await cache.lookup({
      key: ask("what's the capital of france", { temperature: 1.5 }),
      config,
      forceRefresh: false,
    });
    // Assess
    expect(otherTemp.status).toBe("SEMANTIC MISS");
  });

  it("an exact repeat is a plain HIT without an embedding call; force-refresh skips the read", async () => {
    // Prepare
    const cache = setup();
    const config = CacheConfigSchema.parse({ mode: "semantic" });
    const miss = await cache.lookup({ key: ask("How do I bake bread?"), config, forceRefresh: false });
    if (miss.status !== "SEMANTIC MISS") throw new Error("expected a semantic miss");
    await cache.store(miss, ask("How do I bake bread?"), answer);
    embedCalls.length = 0;
    // Act
    const again = await cache.lookup({ key: ask("How do I bake bread?"), config, forceRefresh: false });
    const refresh = await cache.lookup({ key: ask("How do I bake bread?"), config, forceRefresh: true });
    const disabled = await cache.lookup({ key: ask("How do I bake bread?"), config: undefined, forceRefresh: false });
    // Assess
    expect(again.status).toBe("HIT");
    expect(refresh.status).toBe("REFRESH");
    expect(disabled.status).toBe("DISABLED");
    expect(embedCalls).toEqual([]);
  });

  it("is only used where it is safe", () => {
    // Act / Assess
    const image = {
      ...ask("x"),
      body: { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "u" } }] }] },
    };
    const assistantLast = { ...ask("x"), body: { messages: [{ role: "assistant", content: "hi" }] } };
    expect(semanticView(image)).toMatchObject({ eligible: false });
    expect(semanticView(assistantLast)).toMatchObject({ eligible: false });
    expect(semanticView({ ...ask("x"), endpoint: "embeddings" })).toMatchObject({ eligible: false });
    expect(semanticView(ask("x", { n: 3 }))).toMatchObject({ eligible: false });
    expect(semanticView(ask("x"))).toMatchObject({ eligible: true, text: "x" });
  });

  it("LSH buckets are deterministic and similar vectors share at least one bucket", () => {
    // Prepare
    const a = new RandomHyperplaneLsh(DEFAULT_LSH);
    const b = new RandomHyperplaneLsh(DEFAULT_LSH);
    // Act
    const first = a.buckets(baseVec);
    const second = b.buckets(baseVec);
    const para = a.buckets(near(0.1));
    // Assess
    expect(second).toEqual(first);
    expect(first).toHaveLength(DEFAULT_LSH.bands);
    expect(para.some((bucket, i) => bucket === first[i])).toBe(true);
  });
});
