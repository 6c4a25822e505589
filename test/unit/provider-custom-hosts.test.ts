import { describe, expect, it } from "vitest";
import type { Endpoint } from "../../shared/core/endpoints";
import { GatewayError } from "../../shared/core/errors";
import { defaultProviderRegistry } from "../../shared/providers/registry";
import type { TransformContext } from "../../shared/providers/types";

/**
 * A custom host means what it means in Portkey's gateway, per provider: Portkey builds
 * `(customHost || getBaseURL()) + getEndpoint()` (src/handlers/services/providerContext.ts, `getFullURL`), so what
 * a custom host replaces is each provider's `getBaseURL` in src/providers/<name>/api.ts, and the rest of the URL is
 * its `getEndpoint`. Each row: the provider, a request, and the URL Portkey calls for it (Portkey-AI/gateway at
 * 669825cb, 2026-05-25; the file is named per row). Every provider of the registry has a row.
 */
const HOST = "https://proxy.example.com/base";
const CHAT = { model: "m-1", messages: [{ role: "user", content: "hi" }] };
const EMBED = { model: "e-1", input: "hi" };
const ACCOUNT = "0123456789abcdef0123456789abcdef";

interface Row {
  readonly provider: string;
  readonly endpoint?: Endpoint;
  readonly body?: Record<string, unknown>;
  readonly options?: Record<string, string>;
  /** The upstream URL for `HOST`. */
  readonly url: string;
  /** Portkey's file (or why Portkey has none). */
  readonly portkey: string;
}

const ROWS: readonly Row[] = [
  { provider: "openai", url: `${HOST}/chat/completions`, portkey: "openai/api.ts: base https://api.openai.com/v1" },
  { provider: "groq", url: `${HOST}/chat/completions`, portkey: "groq/api.ts: base https://api.groq.com/openai/v1" },
  {
    provider: "together-ai",
    url: `${HOST}/v1/chat/completions`,
    portkey: "together-ai/api.ts: base https://api.together.xyz, endpoint /v1/chat/completions",
  },
  {
    provider: "fireworks-ai",
    url: `${HOST}/chat/completions`,
    portkey: "fireworks-ai/api.ts: base https://api.fireworks.ai/inference/v1",
  },
  {
    provider: "deepseek",
    url: `${HOST}/v1/chat/completions`,
    portkey: "deepseek/api.ts: base https://api.deepseek.com, endpoint /v1/chat/completions",
  },
  {
    provider: "openrouter",
    url: `${HOST}/v1/chat/completions`,
    portkey: "openrouter/api.ts: base https://openrouter.ai/api, endpoint /v1/chat/completions",
  },
  {
    provider: "perplexity-ai",
    url: `${HOST}/chat/completions`,
    portkey: "perplexity-ai/api.ts: base https://api.perplexity.ai, endpoint /chat/completions",
  },
  { provider: "x-ai", url: `${HOST}/chat/completions`, portkey: "x-ai/api.ts: base https://api.x.ai/v1" },
  {
    provider: "ollama",
    url: `${HOST}/v1/chat/completions`,
    portkey: "ollama/api.ts: base = the custom host, endpoint /v1/chat/completions",
  },
  {
    provider: "cerebras",
    url: `${HOST}/chat/completions`,
    portkey: "cerebras/api.ts: base https://api.cerebras.ai/v1",
  },
  {
    provider: "deepinfra",
    url: `${HOST}/chat/completions`,
    portkey: "deepinfra/api.ts: base https://api.deepinfra.com/v1/openai",
  },
  {
    provider: "sambanova",
    url: `${HOST}/v1/chat/completions`,
    portkey: "sambanova/api.ts: base https://api.sambanova.ai, endpoint /v1/chat/completions",
  },
  {
    provider: "nebius",
    url: `${HOST}/chat/completions`,
    portkey: "nebius/api.ts: base https://api.studio.nebius.ai/v1",
  },
  {
    provider: "hyperbolic",
    url: `${HOST}/v1/chat/completions`,
    portkey: "hyperbolic/api.ts: base https://api.hyperbolic.xyz, endpoint /v1/chat/completions",
  },
  { provider: "lambda", url: `${HOST}/chat/completions`, portkey: "lambda/api.ts: base https://api.lambdalabs.com/v1" },
  {
    provider: "novita-ai",
    url: `${HOST}/v1/chat/completions`,
    portkey: "novita-ai/api.ts: base https://api.novita.ai/v3/openai, endpoint /v1/chat/completions",
  },
  {
    provider: "siliconflow",
    url: `${HOST}/chat/completions`,
    portkey: "siliconflow/api.ts: base https://api.siliconflow.cn/v1",
  },
  {
    provider: "huggingface",
    body: { ...CHAT, model: "meta-llama/Llama-3.1-8B-Instruct" },
    url: `${HOST}/models/meta-llama/Llama-3.1-8B-Instruct/v1/chat/completions`,
    portkey:
      "huggingface/api.ts: base https://api-inference.huggingface.co, endpoint /models/{model}/v1/chat/completions",
  },
  {
    provider: "huggingface",
    endpoint: "models",
    body: {},
    url: `${HOST}/models`,
    portkey: "handlers/services/providerContext.ts getProxyPath: base + the client's path less /v1",
  },
  { provider: "lm-studio", url: `${HOST}/v1/chat/completions`, portkey: "none: as ollama (hosts given as host:port)" },
  { provider: "vllm", url: `${HOST}/v1/chat/completions`, portkey: "none: as ollama (hosts given as host:port)" },
  { provider: "nvidia-nim", url: `${HOST}/chat/completions`, portkey: "none: the host replaces the base URL" },
  {
    provider: "dashscope",
    url: `${HOST}/chat/completions`,
    portkey: "dashscope/api.ts: base https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
  },
  {
    provider: "moonshot",
    url: `${HOST}/v1/chat/completions`,
    portkey: "moonshot/api.ts: base https://api.moonshot.cn, endpoint /v1/chat/completions",
  },
  {
    provider: "zhipu",
    url: `${HOST}/chat/completions`,
    portkey: "zhipu/api.ts: base https://open.bigmodel.cn/api/paas/v4",
  },
  { provider: "z-ai", url: `${HOST}/chat/completions`, portkey: "z-ai/api.ts: base https://api.z.ai/api/paas/v4" },
  {
    provider: "github",
    url: `${HOST}/chat/completions`,
    portkey: "azure-ai-inference/api.ts (github): base https://models.inference.ai.azure.com",
  },
  { provider: "anthropic", url: `${HOST}/messages`, portkey: "anthropic/api.ts: base https://api.anthropic.com/v1" },
  {
    provider: "google",
    url: `${HOST}/v1beta/models/m-1:generateContent`,
    portkey: "google/api.ts: base https://generativelanguage.googleapis.com, endpoint /v1beta/models/{model}:...",
  },
  {
    provider: "google",
    endpoint: "embeddings",
    body: EMBED,
    url: `${HOST}/v1beta/models/e-1:batchEmbedContents`,
    portkey: "google/api.ts: endpoint /v1beta/models/{model}:embedContent (this gateway batches)",
  },
  {
    provider: "bedrock",
    options: { awsRegion: "us-east-1" },
    url: `${HOST}/model/m-1/converse`,
    portkey: "bedrock/api.ts: base https://bedrock-runtime.{region}.amazonaws.com, endpoint /model/{model}/converse",
  },
  {
    provider: "azure-openai",
    options: { resourceName: "res", deploymentId: "dep", apiVersion: "2024-10-21" },
    url: `${HOST}/deployments/dep/chat/completions?api-version=2024-10-21`,
    portkey: "azure-openai/api.ts: base https://{resource}.openai.azure.com/openai, endpoint /deployments/{id}/...",
  },
  {
    provider: "mistral-ai",
    url: `${HOST}/chat/completions`,
    portkey: "mistral-ai/api.ts: base https://api.mistral.ai/v1",
  },
  {
    provider: "cohere",
    url: `${HOST}/v2/chat`,
    portkey: "cohere/api.ts: base https://api.cohere.ai, endpoint /v2/chat",
  },
  {
    provider: "cohere",
    endpoint: "embeddings",
    body: EMBED,
    url: `${HOST}/v2/embed`,
    portkey: "cohere/api.ts: endpoint /v2/embed",
  },
  {
    provider: "stability-ai",
    endpoint: "images",
    body: { model: "stable-image-core", prompt: "a fox" },
    url: `${HOST}/v2beta/stable-image/generate/core`,
    portkey: "stability-ai/api.ts: base https://api.stability.ai, endpoint /v2beta/stable-image/generate/{model}",
  },
  {
    provider: "vertex-ai",
    options: { vertexProjectId: "my-project-1", vertexRegion: "us-central1" },
    url: `${HOST}/v1/projects/my-project-1/locations/us-central1/publishers/google/models/m-1:generateContent`,
    portkey: "google-vertex-ai/api.ts: base https://{region}-aiplatform.googleapis.com, endpoint /v1/projects/...",
  },
  {
    provider: "modelslab",
    url: `${HOST}/v7/llm/chat/completions`,
    portkey: "no modelslab provider in Portkey's gateway: the custom host replaces https://modelslab.com/api",
  },
  {
    provider: "workers-ai",
    options: { workersAiAccountId: ACCOUNT },
    url: `${HOST}/v1/chat/completions`,
    portkey: "workers-ai/api.ts: base .../accounts/{account}/ai/run (native API; here the OpenAI one at /ai/v1)",
  },
  {
    provider: "azure-ai",
    url: `${HOST}/chat/completions`,
    portkey: "azure-ai-inference/api.ts: base = the Foundry URL, endpoint /chat/completions",
  },
  {
    provider: "voyage",
    endpoint: "embeddings",
    body: EMBED,
    url: `${HOST}/embeddings`,
    portkey: "voyage/api.ts: base https://api.voyageai.com/v1",
  },
  {
    provider: "jina",
    endpoint: "embeddings",
    body: EMBED,
    url: `${HOST}/embeddings`,
    portkey: "jina/api.ts: base https://api.jina.ai/v1",
  },
];

const registry = defaultProviderRegistry();
await Promise.all(registry.ids().map((id) => registry.load(id))); // the modules loaded on demand (ADR 0044)

function ctxOf(row: Row, customHost: string | undefined): TransformContext {
  const body = row.body ?? CHAT;
  return {
    endpoint: row.endpoint ?? "chat",
    target: { provider: row.provider, apiKey: "key", customHost, options: row.options },
    body,
    rawBody: Buffer.from(JSON.stringify(body)),
    bodyChanged: false,
  };
}

function urlOf(row: Row, customHost: string | undefined): string {
  return registry.get(row.provider).toRequest(ctxOf(row, customHost)).url;
}

describe("custom hosts mean what they mean in Portkey's gateway", () => {
  it("every provider of the registry has a row", () => {
    // Prepare
    const covered = new Set(ROWS.map((r) => r.provider));

    // Act
    const missing = registry.ids().filter((id) => !covered.has(id));

    // Assess
    expect(missing).toEqual([]);
  });

  it.each(ROWS.map((row) => ({ ...row, name: `${row.provider} ${row.endpoint ?? "chat"}` })))(
    "$name: $url ($portkey)",
    (row) => {
      // Act
      const url = urlOf(row, HOST);
      const slashed = urlOf(row, `${HOST}/`);

      // Assess
      expect(url).toBe(row.url);
      expect(slashed).toBe(row.url);
    },
  );

  it.each([
    { provider: "google", host: `${HOST}/v1beta`, url: `${HOST}/v1beta/models/m-1:generateContent` },
    { provider: "cohere", host: `${HOST}/v2`, url: `${HOST}/v2/chat` },
    { provider: "together-ai", host: `${HOST}/v1`, url: `${HOST}/v1/chat/completions` },
  ])(
    "a $provider host written with its version (the former meaning) does not get it twice",
    ({ provider, host, url }) => {
      // Act
      const actual = urlOf({ provider, url, portkey: "" }, host);

      // Assess
      expect(actual).toBe(url);
    },
  );

  it("without a custom host every provider keeps its own base URL", () => {
    // Act
    const google = urlOf({ provider: "google", url: "", portkey: "" }, undefined);
    const together = urlOf({ provider: "together-ai", url: "", portkey: "" }, undefined);
    const hf = urlOf({ provider: "huggingface", url: "", portkey: "", body: { ...CHAT, model: "org/m" } }, undefined);
    const workers = urlOf(
      { provider: "workers-ai", url: "", portkey: "", options: { workersAiAccountId: ACCOUNT } },
      undefined,
    );

    // Assess
    expect(google).toBe("https://generativelanguage.googleapis.com/v1beta/models/m-1:generateContent");
    expect(together).toBe("https://api.together.xyz/v1/chat/completions");
    expect(hf).toBe("https://router.huggingface.co/v1/chat/completions");
    expect(workers).toBe(`https://api.cloudflare.com/client/v4/accounts/${ACCOUNT}/ai/v1/chat/completions`);
  });

  it.each(["../admin", "org/../x", "org//x", "."])(
    "a huggingface model %s cannot move the request elsewhere on the custom host (400)",
    (model) => {
      // Act
      let caught: unknown;
      try {
        urlOf({ provider: "huggingface", url: "", portkey: "", body: { ...CHAT, model } }, HOST);
      } catch (err) {
        caught = err;
      }

      // Assess
      expect(caught).toBeInstanceOf(GatewayError);
      expect((caught as GatewayError).statusCode).toBe(400);
      expect((caught as GatewayError).param).toBe("model");
    },
  );
});
