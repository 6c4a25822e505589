import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCohereFake } from "../fakes/cohere-fake";
import type { FakeServer } from "../fakes/fake-server";
import { fakeVector } from "../fakes/rerank-scoring";
import { startVoyageJinaFake } from "../fakes/voyage-jina-fake";
import { startTestGateway } from "../support/local-gateway";

/**
 * `POST /v1/rerank` (Cohere's and Portkey's shape) and `/v1/embeddings` through the local runtime for the
 * providers that serve them, against fakes of each provider's documented wire format.
 */
type Gateway = Awaited<ReturnType<typeof startTestGateway>>;
let gateway: Gateway;

beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(async () => {
  await gateway.stop();
});

interface Case {
  readonly id: string;
  readonly model: string;
  readonly start: () => Promise<{ fake: FakeServer; customHost: string; apiKey: string }>;
  /** Tokens the provider reports for the rerank below (Cohere bills search units, not tokens). */
  readonly rerankTokens: number;
}

const CASES: readonly Case[] = [
  {
    id: "cohere",
    model: "rerank-v3.5",
    rerankTokens: 0,
    start: async () => {
      const fake = await startCohereFake({ apiKey: "co-key" });
      return { fake, customHost: fake.baseUrl, apiKey: "co-key" };
    },
  },
  ...(["voyage", "jina"] as const).map((wire) => ({
    id: wire,
    model: wire === "voyage" ? "rerank-2" : "jina-reranker-v2-base-multilingual",
    rerankTokens: 12,
    start: async () => {
      const fake = await startVoyageJinaFake(wire, `${wire}-key`);
      return { fake, customHost: `${fake.origin}/v1`, apiKey: `${wire}-key` };
    },
  })),
];

const DOCUMENTS = ["a blue whale", "the quick red fox", "a red barn"];

describe.each(CASES.map((c) => [c.id, c] as const))("rerank: %s", (_id, c) => {
  let fake: FakeServer;
  let headers: Record<string, string>;

  beforeAll(async () => {
    const running = await c.start();
    fake = running.fake;
    headers = {
      "content-type": "application/json",
      authorization: `Bearer ${running.apiKey}`,
      "x-portkey-api-key": gateway.apiKey,
      "x-portkey-provider": c.id,
      "x-portkey-custom-host": running.customHost,
    };
  });
  afterAll(async () => {
    await fake.close();
  });

  const rerank = (body: unknown) =>
    fetch(`${gateway.url}/v1/rerank`, { method: "POST", headers, body: JSON.stringify(body) });

  it("answers results best first, cut to top_n, with documents when asked, and usage", async () => {
    // Act
    const res = await rerank({
      model: c.model,
      query: "red fox",
      documents: [DOCUMENTS[0], { text: DOCUMENTS[1] }, DOCUMENTS[2]],
      top_n: 2,
      return_documents: true,
    });

    // Assess
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      object: "list",
      model: c.model,
      results: [
        { index: 1, relevance_score: 1, document: { text: "the quick red fox" } },
        { index: 2, relevance_score: 0.5, document: { text: "a red barn" } },
      ],
      usage: { prompt_tokens: c.rerankTokens, total_tokens: c.rerankTokens },
    });
  });

  it("refuses a request without documents with an OpenAI-style 400 before any upstream call", async () => {
    fake.reset();
    const res = await rerank({ model: c.model, query: "red fox", documents: [] });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        message: expect.stringContaining('"documents"'),
        type: "invalid_request_error",
        param: "documents",
        code: "invalid_value",
      },
    });
    expect(fake.requests).toHaveLength(0);
  });
});

describe.each(["voyage", "jina"] as const)("embeddings with the openai SDK: %s", (wire) => {
  it("answers OpenAI's embeddings (the SDK's default base64 and floats) with usage", async () => {
    // Prepare
    const fake = await startVoyageJinaFake(wire, `${wire}-key`);
    const client = new OpenAI({
      apiKey: `${wire}-key`,
      baseURL: `${gateway.url}/v1`,
      maxRetries: 0,
      defaultHeaders: {
        "x-portkey-api-key": gateway.apiKey,
        "x-portkey-provider": wire,
        "x-portkey-custom-host": `${fake.origin}/v1`,
      },
    });
    try {
      // Act
      const b64 = await client.embeddings.create({ model: "voyage-3", input: ["hello world", "hi"] });
      const floats = await client.embeddings.create({ model: "voyage-3", input: "hello", encoding_format: "float" });

      // Assess
      expect(b64.data.map((d) => d.index)).toEqual([0, 1]);
      expect(b64.data[0]?.embedding).toEqual(fakeVector("hello world").map((x) => Math.fround(x)));
      expect(b64.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
      expect(floats.data[0]?.embedding).toEqual(fakeVector("hello"));
    } finally {
      await fake.close();
    }
  });
});
