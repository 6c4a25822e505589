import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { CacheDeps } from "../../shared/cache/cache-deps";
import type { CacheKeyInput } from "../../shared/cache/cache-key";
import { Coalescer } from "../../shared/cache/coalescer";
import { MemoryCacheStore } from "../../shared/cache/memory-cache-store";
import { ResponseCache } from "../../shared/cache/response-cache";
import { EmbeddingMemo } from "../../shared/cache/semantic/embedding-memo";
import { DEFAULT_LSH, RandomHyperplaneLsh } from "../../shared/cache/semantic/lsh";
import { SemanticCache } from "../../shared/cache/semantic/semantic-cache";
import { MemorySemanticIndex } from "../../shared/cache/semantic/semantic-index";
import { type EmbeddingCallContext, embedText, parseEmbedding } from "../../shared/gateway/embedding-call";
import { lookupCache } from "../../shared/gateway/steps/cache-step";
import type { UpstreamTransport } from "../../shared/http/upstream";
import { defaultProviderRegistry } from "../../shared/providers/registry";
import type { UpstreamRequest } from "../../shared/providers/types";
import type { CacheSettings } from "../../shared/routing/plan";

/** An upstream that answers every embeddings call from `vectorOf`, or fails with `failure`. */
function embeddingUpstream(vectorOf: (text: string) => number[], failure?: Error) {
  const sent: UpstreamRequest[] = [];
  const transport: UpstreamTransport = {
    async send(req) {
      sent.push(req);
      if (failure) throw failure;
      const body = JSON.parse(String(req.body)) as { input: string; model: string };
      const answer = {
        object: "list",
        data: [{ object: "embedding", index: 0, embedding: vectorOf(body.input) }],
        model: body.model,
        usage: { prompt_tokens: 1, total_tokens: 1 },
      };
      return {
        status: 200,
        headers: { "content-type": "application/json" },
        body: Readable.from([Buffer.from(JSON.stringify(answer))]),
      };
    },
    close: async () => {},
  };
  return { sent, transport };
}

function callContext(transport: UpstreamTransport): EmbeddingCallContext {
  return {
    providers: defaultProviderRegistry(),
    transport,
    signal: new AbortController().signal,
    virtualKeys: {
      resolve: async (slug) => {
        if (slug !== "emb-key") throw new Error(`unknown virtual key ${slug}`);
        return { provider: "openai", apiKey: "sk-embedding", customHost: "http://127.0.0.1:9/v1", options: {} };
      },
    },
  };
}

const SEMANTIC: CacheSettings = {
  mode: "semantic",
  maxAgeSeconds: 60,
  similarityThreshold: 0.9,
  embedding: { virtualKey: "emb-key", model: "text-embedding-3-small" },
};

function cacheDeps(memo?: EmbeddingMemo): CacheDeps {
  const now = () => 1_000_000;
  const store = new MemoryCacheStore({ maxEntries: 100, maxBytes: 1e7, now });
  const semantic = new SemanticCache({
    index: new MemorySemanticIndex(now),
    store,
    lsh: new RandomHyperplaneLsh(DEFAULT_LSH),
    perBucketLimit: 16,
    now,
  });
  return { cache: new ResponseCache({ store, semantic, now }), coalescer: new Coalescer<string>(), embedMemo: memo };
}

const chatKey = (text: string, namespace?: string): CacheKeyInput => ({
  workspaceId: "ws1",
  endpoint: "chat",
  provider: "openai",
  model: "gpt-4o-mini",
  body: { messages: [{ role: "user", content: text }] },
  namespace,
});

describe("embedding memo", () => {
  it("answers a repeated text from memory, per scope, and shares concurrent calls", async () => {
    // Prepare
    let now = 0;
    const memo = new EmbeddingMemo({ maxEntries: 10, ttlMs: 1_000, now: () => now });
    const calls: string[] = [];
    const embed = async (text: string) => {
      calls.push(text);
      return [text.length, 1];
    };
    const a = memo.wrap("ws1\nvk:a\nmodel", embed);
    const b = memo.wrap("ws2\nvk:a\nmodel", embed);
    // Act
    const [first, concurrent] = await Promise.all([a("hello"), a("hello")]);
    const again = await a("hello");
    await b("hello");
    now = 1_001;
    await a("hello");
    // Assess
    expect(Array.from(first)).toEqual([5, 1]);
    expect(Array.from(concurrent)).toEqual([5, 1]);
    expect(Array.from(again)).toEqual([5, 1]);
    expect(calls).toEqual(["hello", "hello", "hello"]); // scope a, scope b, scope a after the TTL
  });

  it("is bounded (least recently used out first) and never keeps a failure", async () => {
    // Prepare
    const memo = new EmbeddingMemo({ maxEntries: 2, ttlMs: 60_000, now: () => 0 });
    const calls: string[] = [];
    let failing = true;
    const embed = memo.wrap("s", async (text: string) => {
      calls.push(text);
      if (text === "flaky" && failing) throw new Error("upstream down");
      return [1];
    });
    // Act
    await embed("one");
    await embed("two");
    await embed("one"); // "two" is now the least recently used
    await embed("three"); // evicts "two"
    await embed("one");
    await embed("two");
    const failed = await embed("flaky").catch((err: Error) => err.message);
    failing = false;
    await embed("flaky");
    // Assess
    expect(failed).toBe("upstream down");
    expect(calls).toEqual(["one", "two", "three", "two", "flaky", "flaky"]);
    expect(memo.size).toBeLessThanOrEqual(2);
  });
});

describe("embedding calls through the provider layer", () => {
  it("calls the virtual key's provider with its key, and reads float and base64 vectors", async () => {
    // Prepare
    const upstream = embeddingUpstream(() => [0.25, -0.5, 1]);
    // Act
    const vector = await embedText(
      { virtualKey: "emb-key", model: "text-embedding-3-small" },
      "hello",
      callContext(upstream.transport),
    );
    const base64 = Buffer.from(new Float32Array([0.5, -2]).buffer).toString("base64");
    // Assess
    expect(vector).toEqual([0.25, -0.5, 1]);
    expect(upstream.sent[0]?.url).toBe("http://127.0.0.1:9/v1/embeddings");
    expect(upstream.sent[0]?.headers.authorization).toBe("Bearer sk-embedding");
    expect(JSON.parse(String(upstream.sent[0]?.body))).toEqual({ model: "text-embedding-3-small", input: "hello" });
    expect(parseEmbedding(JSON.stringify({ data: [{ embedding: base64 }] }))).toEqual([0.5, -2]);
    expect(() => parseEmbedding('{"data":[{"embedding":[]}]}')).toThrow(/no usable vector/);
  });
});

describe("the cache step's lookup in semantic mode", () => {
  it("is a plain MISS (the request goes upstream) when the embedding upstream is down, and says why", async () => {
    // Prepare
    const upstream = embeddingUpstream(() => [1], new Error("connect ECONNREFUSED 127.0.0.1:9"));
    // Act
    const { lookup } = await lookupCache({
      deps: cacheDeps(),
      settings: SEMANTIC,
      key: chatKey("is anyone there?"),
      forceRefresh: false,
      embedding: callContext(upstream.transport),
    });
    // Assess
    expect(lookup.status).toBe("MISS");
    expect("error" in lookup ? lookup.error : undefined).toMatch(/^embedding failed: .*ECONNREFUSED/);
    expect(upstream.sent).toHaveLength(1);
  });

  it("pays one embedding call for the same last turn looked up twice (memoised)", async () => {
    // Prepare
    const upstream = embeddingUpstream(() => [0.1, 0.2, 0.3]);
    const deps = cacheDeps(new EmbeddingMemo({ maxEntries: 10, ttlMs: 60_000, now: () => 0 }));
    const lookup = (namespace: string) =>
      lookupCache({
        deps,
        settings: SEMANTIC,
        key: chatKey("same question", namespace),
        forceRefresh: false,
        embedding: callContext(upstream.transport),
      });
    // Act: two namespaces, so neither lookup can be answered by the other's exact or semantic entry
    await lookup("team-a");
    await lookup("team-b");
    // Assess
    expect(upstream.sent).toHaveLength(1);
  });
});
