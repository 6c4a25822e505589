import OpenAI from "openai";
import { beforeEach, describe, expect, it } from "vitest";
import { cosineSimilarity } from "../../shared/cache/semantic/lsh";
import { fakeEmbedding } from "../fakes/openai-fake";
import { useGatewayWithUpstream } from "../support/local-gateway";

const PROVIDER_KEY = "sk-semantic-provider-key";
type Messages = OpenAI.ChatCompletionMessageParam[];

/**
 * Semantic mode through the local runtime (dynalite index, real provider layer) with the real openai SDK. The
 * fake's embeddings are a hashed bag of words: same words -> cosine 1, whatever the case or punctuation.
 */
describe("semantic cache through the local runtime", () => {
  const env = useGatewayWithUpstream({ providerKey: PROVIDER_KEY, name: "openai semantic" });
  let namespace = 0;
  beforeEach(() => {
    namespace += 1; // every test starts with an empty cache
  });

  const chatCalls = () => env.fake.requests.filter((r) => r.path.endsWith("/chat/completions")).length;
  const embeddingCalls = () => env.fake.requests.filter((r) => r.path.endsWith("/embeddings")).length;

  function semanticConfig(threshold: number, embedding: Record<string, unknown> = {}): string {
    return JSON.stringify({
      virtual_key: env.slug,
      cache: {
        mode: "semantic",
        max_age: 60,
        similarity_threshold: threshold,
        embedding: { virtual_key: env.slug, model: "text-embedding-3-small", ...embedding },
      },
    });
  }

  function client(config: string): OpenAI {
    return new OpenAI({
      apiKey: env.gateway.apiKey,
      baseURL: `${env.gateway.url}/v1`,
      maxRetries: 0,
      defaultHeaders: { "x-portkey-config": config, "x-portkey-cache-namespace": `semantic-${namespace}` },
    });
  }

  async function ask(config: string, messages: Messages, extra: Partial<OpenAI.ChatCompletionCreateParams> = {}) {
    const { data, response } = await client(config)
      .chat.completions.create({ model: "gpt-4o-mini", messages, ...extra, stream: false })
      .withResponse();
    return { text: data.choices[0]?.message.content, status: response.headers.get("x-portkey-cache-status") };
  }
  const user = (content: string): Messages => [{ role: "user", content }];

  it("serves a rephrasing (same words, other case and punctuation) without a chat call; misses other questions", async () => {
    // Prepare
    const config = semanticConfig(0.9);
    // Act
    const first = await ask(config, user("What is the capital of France?"));
    const rephrased = await ask(config, user("what is the CAPITAL of france"));
    const other = await ask(config, user("How do I bake sourdough bread at home?"));
    // Assess
    expect(first).toEqual({ status: "SEMANTIC MISS", text: "You said: What is the capital of France?" });
    expect(rephrased).toEqual({ status: "SEMANTIC HIT", text: "You said: What is the capital of France?" });
    expect(other.status).toBe("SEMANTIC MISS");
    expect(chatCalls()).toBe(2);
    expect(embeddingCalls()).toBe(3);
  });

  it("compares only the last user turn: another system prompt or temperature never hits", async () => {
    // Prepare
    const config = semanticConfig(0.9);
    const system = (content: string): Messages => [
      { role: "system", content },
      { role: "user", content: "Name three primary colours." },
    ];
    await ask(config, system("Be brief."), { temperature: 0 });
    // Act
    const otherSystem = await ask(config, system("Answer in French."), { temperature: 0 });
    const otherTemperature = await ask(config, system("Be brief."), { temperature: 1 });
    const sameContext = await ask(
      config,
      [
        { role: "system", content: "Be brief." },
        { role: "user", content: "name three PRIMARY colours" },
      ],
      { temperature: 0 },
    );
    // Assess
    expect(otherSystem.status).toBe("SEMANTIC MISS");
    expect(otherTemperature.status).toBe("SEMANTIC MISS");
    expect(sameContext.status).toBe("SEMANTIC HIT");
    expect(chatCalls()).toBe(3);
  });

  it("replays a semantic hit to a streaming client as SSE", async () => {
    // Prepare
    const config = semanticConfig(0.9);
    await ask(config, user("Explain photosynthesis in one sentence."));
    // Act
    const { data: stream, response } = await client(config)
      .chat.completions.create({
        model: "gpt-4o-mini",
        messages: user("explain PHOTOSYNTHESIS, in one sentence"),
        stream: true,
      })
      .withResponse();
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    // Assess
    expect(response.headers.get("x-portkey-cache-status")).toBe("SEMANTIC HIT");
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    expect(text).toBe("You said: Explain photosynthesis in one sentence.");
    expect(chatCalls()).toBe(1);
  });

  it("respects the threshold: a near paraphrase hits at 0.9 and misses at 0.999", async () => {
    // Prepare: a pair whose similarity lies between the two thresholds
    const asked = "what is the capital city of france today";
    const paraphrase = "so what is the capital city of france today";
    const similarity = cosineSimilarity(fakeEmbedding(asked), fakeEmbedding(paraphrase));
    expect(similarity).toBeGreaterThan(0.9);
    expect(similarity).toBeLessThan(0.999);
    await ask(semanticConfig(0.999), user(asked));
    // Act
    const strict = await ask(semanticConfig(0.999), user(paraphrase));
    namespace += 1; // same pair again, in a fresh cache
    await ask(semanticConfig(0.9), user(asked));
    const loose = await ask(semanticConfig(0.9), user(paraphrase));
    // Assess
    expect(strict.status).toBe("SEMANTIC MISS");
    expect(loose).toEqual({ status: "SEMANTIC HIT", text: `You said: ${asked}` });
    expect(chatCalls()).toBe(3);
  });

  it("an exact repeat is a plain HIT and costs no embedding call", async () => {
    // Prepare
    const config = semanticConfig(0.9);
    await ask(config, user("Spell the word necessary."));
    const embeddingsBefore = embeddingCalls();
    // Act
    const again = await ask(config, user("Spell the word necessary."));
    // Assess
    expect(again.status).toBe("HIT");
    expect(embeddingCalls()).toBe(embeddingsBefore);
    expect(chatCalls()).toBe(1);
  });

  it("answers normally (status MISS) when the embedding target fails", async () => {
    // Prepare: an embedding target with a wrong key: the fake answers 401
    const config = semanticConfig(0.9, {
      virtual_key: undefined,
      provider: "openai",
      api_key: "sk-wrong",
      custom_host: env.fake.baseUrl,
    });
    // Act
    const answer = await ask(config, user("Is the embedding target up?"));
    // Assess
    expect(answer).toEqual({ status: "MISS", text: "You said: Is the embedding target up?" });
    expect(embeddingCalls()).toBe(1);
    expect(chatCalls()).toBe(1);
  });

  it("refuses a semantic config without an embedding target with a 400 invalid_config", async () => {
    // Act
    const res = await fetch(`${env.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-portkey-api-key": env.gateway.apiKey,
        "x-portkey-config": JSON.stringify({ virtual_key: env.slug, cache: { mode: "semantic" } }),
      },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: user("hi") }),
    });
    const body = (await res.json()) as { error: { code: string; param: string } };
    // Assess
    expect(res.status).toBe(400);
    expect(body.error).toMatchObject({ code: "invalid_config", param: "config.cache.embedding" });
    expect(env.fake.requests).toHaveLength(0);
  });
});
