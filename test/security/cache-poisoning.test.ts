import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeServer, sleep, startFakeServer } from "../fakes/fake-server";
import { fakeEmbedding, type OpenAIFake, startOpenAIFake } from "../fakes/openai-fake";
import { startTestGateway, type TestGateway } from "../support/local-gateway";

/**
 * The attacker holds a completions-scoped key of a workspace whose apps call a virtual key through the response
 * cache, and a host of its own. It sends the apps' request to its host (same provider name, same model, same
 * body) to seed the cache with its answer. The cache key names who answers, so the apps never get that answer.
 */
const PROVIDER_KEY = "sk-cache-poisoning-provider-key";
const POISON = "POISONED: wire the money to the attacker";
const VICTIM_QUESTION = "what is the CAPITAL of france";

describe("cache poisoning through a host the attacker controls", () => {
  let honest: OpenAIFake;
  let hostile: FakeServer;
  let gateway: TestGateway;
  let slug: string;
  let attackerKey: string;
  let namespace = 0;

  beforeAll(async () => {
    honest = await startOpenAIFake({ apiKey: PROVIDER_KEY });
    hostile = await startFakeServer(({ res, recorded }) => {
      if (recorded.json<{ stream?: boolean }>().stream === true) {
        res.writeHead(200, { "content-type": "text/event-stream" });
        const chunk = (delta: object, finish: string | null) =>
          `data: ${JSON.stringify({ id: "chatcmpl-poison", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
        res.end(`${chunk({ role: "assistant", content: POISON }, null)}${chunk({}, "stop")}data: [DONE]\n\n`);
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      if (recorded.path.endsWith("/embeddings")) {
        // whatever the text, the vector of the question the attacker wants to answer
        const data = [{ object: "embedding", index: 0, embedding: fakeEmbedding(VICTIM_QUESTION) }];
        res.end(JSON.stringify({ object: "list", data, model: "text-embedding-3-small", usage: { prompt_tokens: 1 } }));
        return;
      }
      res.end(
        JSON.stringify({
          id: "chatcmpl-poison",
          object: "chat.completion",
          created: 1,
          model: "gpt-4o-mini",
          choices: [{ index: 0, message: { role: "assistant", content: POISON }, finish_reason: "stop" }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        }),
      );
    });
    gateway = await startTestGateway();
    slug = await gateway.createVirtualKey({
      name: "the workspace's openai",
      key: PROVIDER_KEY,
      custom_host: honest.baseUrl,
    });
    attackerKey = await gateway.createKey({ name: "attacker", scopes: ["completions"] });
  });
  afterAll(async () => {
    await gateway.stop();
    await honest.close();
    await hostile.close();
  });

  async function ask(apiKey: string, config: Record<string, unknown>, content: string) {
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-portkey-api-key": apiKey,
        "x-portkey-config": JSON.stringify(config),
        "x-portkey-cache-namespace": `poison-${namespace}`,
      },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content }] }),
    });
    const body = (await res.json()) as { choices: { message: { content: string } }[] };
    return { status: res.headers.get("x-portkey-cache-status"), text: body.choices[0]?.message.content };
  }

  it.each([
    ["simple", { mode: "simple", max_age: 60 }, "What is the capital of France?"],
    [
      "semantic",
      {
        mode: "semantic",
        max_age: 60,
        similarity_threshold: 0.9,
        embedding: { virtual_key: "<slug>", model: "text-embedding-3-small" },
      },
      VICTIM_QUESTION,
    ],
  ])(
    "%s cache: an answer seeded through the attacker's host is not served to the virtual key's callers",
    async (_mode, cache, victimWording) => {
      // Prepare: the attacker names the same provider and model, with its own host and key, and seeds the cache
      namespace += 1;
      const withSlug = JSON.parse(JSON.stringify(cache).replace("<slug>", slug)) as Record<string, unknown>;
      const seeded = await ask(
        attackerKey,
        { provider: "openai", api_key: "sk-attacker", custom_host: `${hostile.origin}/v1`, cache: withSlug },
        "What is the capital of France?",
      );
      expect(seeded.text).toBe(POISON);

      // Act: an app of the workspace asks through the virtual key
      const victim = await ask(gateway.apiKey, { virtual_key: slug, cache: withSlug }, victimWording);

      // Assess: answered by the virtual key's upstream, not from the attacker's entry
      expect(victim.text).not.toBe(POISON);
      expect(victim.text).toBe(`You said: ${victimWording}`);
      expect(victim.status).toMatch(/MISS/);
    },
  );

  it("semantic cache: vectors from the attacker's embedding host are not compared with the workspace's", async () => {
    // Prepare: the honest virtual key answers the attacker's question; the attacker's host embeds it as the victim's
    namespace += 1;
    const semantic = { mode: "semantic", max_age: 60, similarity_threshold: 0.9 };
    const lie = "Tell everyone the capital of France is Berlin";
    const hostileEmbedding = { provider: "openai", api_key: "sk-attacker", custom_host: `${hostile.origin}/v1` };
    const seeded = await ask(
      attackerKey,
      {
        virtual_key: slug,
        cache: { ...semantic, embedding: { ...hostileEmbedding, model: "text-embedding-3-small" } },
      },
      lie,
    );
    expect(seeded.text).toBe(`You said: ${lie}`);

    // Act
    const victim = await ask(
      gateway.apiKey,
      { virtual_key: slug, cache: { ...semantic, embedding: { virtual_key: slug, model: "text-embedding-3-small" } } },
      VICTIM_QUESTION,
    );

    // Assess
    expect(victim).toEqual({ status: "SEMANTIC MISS", text: `You said: ${VICTIM_QUESTION}` });
  });

  it("simple cache: a stream that fell back from the virtual key to the attacker's host is not stored as the key's answer", async () => {
    // Prepare: the virtual key's upstream takes its usual time to answer; the attacker's config gives it 20 ms (with
    // the cache on), then falls back to the attacker's host, which streams its answer to the same request
    namespace += 1;
    honest.enqueueFaults({ kind: "slow", delayMs: 300 });
    const cache = { mode: "simple", max_age: 60 };
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-portkey-api-key": attackerKey,
        "x-portkey-config": JSON.stringify({
          strategy: { mode: "fallback" },
          targets: [
            { virtual_key: slug, cache, request_timeout: 20 },
            { provider: "openai", api_key: "sk-attacker", custom_host: `${hostile.origin}/v1` },
          ],
        }),
        "x-portkey-cache-namespace": `poison-${namespace}`,
      },
      body: JSON.stringify({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "What is the capital of France?" }],
        stream: true,
      }),
    });
    expect(await res.text()).toContain(POISON);
    await sleep(200); // cache writes happen after the answer

    // Act: an app of the workspace asks the virtual key the same question through the cache
    const victim = await ask(gateway.apiKey, { virtual_key: slug, cache }, "What is the capital of France?");

    // Assess: no entry was written for the virtual key; its own upstream answers
    expect(victim).toEqual({ status: "MISS", text: "You said: What is the capital of France?" });
  });

  it("still shares answers between callers of the same target", async () => {
    // Prepare
    namespace += 1;
    const config = { virtual_key: slug, cache: { mode: "simple", max_age: 60 } };
    const first = await ask(attackerKey, config, "shared question");
    // Act
    const second = await ask(gateway.apiKey, config, "shared question");
    // Assess
    expect(first.status).toBe("MISS");
    expect(second).toEqual({ status: "HIT", text: "You said: shared question" });
  });
});
