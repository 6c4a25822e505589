import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DynamoCacheStore } from "../../shared/aws/dynamo-cache-store";
import { DynamoWindowCounter } from "../../shared/aws/dynamo-rate-limiter";
import { DynamoSemanticIndex } from "../../shared/aws/dynamo-semantic-index";
import { CacheConfigSchema } from "../../shared/cache/cache-config-schema";
import { ResponseCache } from "../../shared/cache/response-cache";
import { DEFAULT_LSH, RandomHyperplaneLsh } from "../../shared/cache/semantic/lsh";
import { SemanticCache } from "../../shared/cache/semantic/semantic-cache";
import { RateLimitError } from "../../shared/core/errors";
import type { RateLimitScope } from "../../shared/limits/limit-types";
import { SlidingWindowRateLimiter } from "../../shared/limits/rate-limiter";
import { useLimitBackends } from "./limits-support";

const TABLE = "gateway-cache-test";
const backends = useLimitBackends(TABLE);

const answer = JSON.stringify({
  id: "chatcmpl-9",
  object: "chat.completion",
  created: 1,
  model: "gpt-4o-mini",
  choices: [{ index: 0, message: { role: "assistant", content: "Paris. ".repeat(200) }, finish_reason: "stop" }],
});

describe.each(backends)("DynamoDB cache and rate limits on $name", (backend) => {
  it("stores compressed answers, serves them until max_age, then treats them as absent", async () => {
    // Prepare
    const clock = { ms: Date.now() };
    const store = new DynamoCacheStore(backend.client(), TABLE, () => clock.ms);
    const entry = {
      body: answer,
      provider: "openai",
      model: "gpt-4o-mini",
      createdAtMs: clock.ms,
      expiresAtMs: clock.ms + 60_000,
    };
    // Act
    const put = await store.put("ws1", "h1", entry);
    const fresh = await store.get("ws1", "h1");
    clock.ms += 61_000;
    const stale = await store.get("ws1", "h1");
    // Assess
    expect(put).toMatchObject({ stored: true });
    expect(put.stored && put.bytes).toBeLessThan(answer.length / 5);
    expect(fresh?.body).toBe(answer);
    expect(stale).toBeUndefined();
  });

  it("skips answers too large for one item, with the reason", async () => {
    // Prepare
    const store = new DynamoCacheStore(backend.client(), TABLE);
    const huge = randomBytes(450_000).toString("base64");
    // Act
    const put = await store.put("ws1", "h2", {
      body: huge,
      provider: "p",
      model: "m",
      createdAtMs: 0,
      expiresAtMs: Date.now() + 60_000,
    });
    // Assess
    expect(put).toMatchObject({ stored: false, reason: expect.stringMatching(/item budget/) });
  });

  it("semantic lookups find a similar request through the LSH buckets", async () => {
    // Prepare
    const store = new DynamoCacheStore(backend.client(), TABLE);
    const vectors: Record<string, number[]> = {
      "capital of France?": [1, 0.2, 0.1, 0],
      "the capital of France": [1, 0.21, 0.1, 0.01],
      "bread recipe": [0, 0, 1, 1],
    };
    const semantic = new SemanticCache({
      index: new DynamoSemanticIndex(backend.client(), TABLE),
      store,
      embed: async (t) => vectors[t] ?? [],
      lsh: new RandomHyperplaneLsh(DEFAULT_LSH),
      perBucketLimit: 8,
      now: Date.now,
    });
    const cache = new ResponseCache({ store, semantic, now: Date.now });
    const config = CacheConfigSchema.parse({ mode: "semantic", similarity_threshold: 0.98 });
    const key = (text: string) => ({
      workspaceId: "ws-sem",
      endpoint: "chat" as const,
      provider: "openai",
      model: "m",
      body: { messages: [{ role: "user", content: text }] },
    });
    const miss = await cache.lookup({ key: key("capital of France?"), config, forceRefresh: false });
    if (miss.status !== "SEMANTIC MISS") throw new Error(`expected a semantic miss, got ${miss.status}`);
    await cache.store(miss, key("capital of France?"), { body: answer, provider: "openai", model: "m" });
    // Act
    const similar = await cache.lookup({ key: key("the capital of France"), config, forceRefresh: false });
    const unrelated = await cache.lookup({ key: key("bread recipe"), config, forceRefresh: false });
    // Assess
    expect(similar).toMatchObject({ status: "SEMANTIC HIT", entry: { body: answer } });
    expect(unrelated.status).toBe("SEMANTIC MISS");
  });

  it("admits exactly `value` of 60 concurrent requests in a minute window and answers the rest with 429", async () => {
    // Prepare
    const now = () => Math.floor(Date.now() / 60_000) * 60_000 + 1_000; // fixed instant early in a minute
    const limiter = new SlidingWindowRateLimiter(new DynamoWindowCounter(backend.client(), TABLE, now), now);
    const scope: RateLimitScope = {
      workspaceId: "ws1",
      kind: "api_key",
      id: `rl-${backend.name}`,
      rule: { type: "requests", unit: "rpm", value: 20 },
    };
    // Act
    const outcomes = await Promise.allSettled(Array.from({ length: 60 }, () => limiter.acquire([scope])));
    // Assess
    const admitted = outcomes.filter((o) => o.status === "fulfilled");
    const refused = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason] : []));
    expect(admitted).toHaveLength(20);
    expect(refused).toHaveLength(40);
    expect(refused.every((e) => e instanceof RateLimitError && Number(e.headers["retry-after"]) >= 1)).toBe(true);
  });
});
