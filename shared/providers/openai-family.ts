import { huggingfaceAdapter } from "./huggingface";
import { ALL_ENDPOINTS, openAICompatible } from "./openai-compatible";
import { RESPONSES_ENDPOINTS, RESPONSES_OVERRIDES } from "./responses-pass-through";
import type { ProviderAdapter } from "./types";

/**
 * OpenAI and the providers that speak its wire format. Base URLs from each provider's API reference. Mistral and
 * Azure OpenAI differ in details and have their own files (mistral-ai.ts, azure-openai.ts). `customHostSuffix`:
 * what a custom host gets added, so it means what it means in Portkey's gateway (docs/providers.md, "Custom hosts").
 */
export const OPENAI_FAMILY: readonly ProviderAdapter[] = [
  openAICompatible({
    id: "openai",
    streamUsage: true,
    baseUrl: "https://api.openai.com/v1",
    endpoints: [...ALL_ENDPOINTS, ...RESPONSES_ENDPOINTS],
    endpointOverrides: RESPONSES_OVERRIDES,
  }),
  openAICompatible({ id: "groq", streamUsage: true, baseUrl: "https://api.groq.com/openai/v1" }),
  openAICompatible({
    id: "together-ai",
    streamUsage: true,
    baseUrl: "https://api.together.xyz/v1",
    customHostSuffix: "/v1",
  }),
  openAICompatible({ id: "fireworks-ai", streamUsage: true, baseUrl: "https://api.fireworks.ai/inference/v1" }),
  openAICompatible({
    id: "deepseek",
    streamUsage: true,
    baseUrl: "https://api.deepseek.com/v1",
    customHostSuffix: "/v1",
  }),
  openAICompatible({
    id: "openrouter",
    streamUsage: true,
    baseUrl: "https://openrouter.ai/api/v1",
    customHostSuffix: "/v1",
  }),
  openAICompatible({ id: "perplexity-ai", baseUrl: "https://api.perplexity.ai", endpoints: ["chat"] }),
  openAICompatible({ id: "x-ai", streamUsage: true, baseUrl: "https://api.x.ai/v1" }),
  openAICompatible({ id: "ollama", requiresKey: false, customHostSuffix: "/v1" }),
  // The OpenAI-compatible long tail: Portkey's provider ids, base URLs from each provider's API reference
  openAICompatible({
    id: "cerebras",
    streamUsage: true,
    baseUrl: "https://api.cerebras.ai/v1",
    endpoints: ["chat", "completions", "models"],
  }),
  openAICompatible({
    id: "deepinfra",
    streamUsage: true,
    baseUrl: "https://api.deepinfra.com/v1/openai",
    endpoints: ["chat", "completions", "embeddings", "models"],
  }),
  openAICompatible({
    id: "sambanova",
    streamUsage: true,
    baseUrl: "https://api.sambanova.ai/v1",
    customHostSuffix: "/v1",
    endpoints: ["chat", "embeddings", "models"],
  }),
  openAICompatible({
    id: "nebius",
    streamUsage: true,
    baseUrl: "https://api.studio.nebius.ai/v1",
    endpoints: ["chat", "completions", "embeddings", "models"],
  }),
  openAICompatible({
    id: "hyperbolic",
    streamUsage: true,
    baseUrl: "https://api.hyperbolic.xyz/v1",
    customHostSuffix: "/v1",
    endpoints: ["chat", "completions", "models"],
  }),
  openAICompatible({
    id: "lambda",
    streamUsage: true,
    baseUrl: "https://api.lambdalabs.com/v1",
    endpoints: ["chat", "completions", "models"],
  }),
  openAICompatible({
    id: "novita-ai",
    streamUsage: true,
    baseUrl: "https://api.novita.ai/v3/openai",
    customHostSuffix: "/v1",
    endpoints: ["chat", "completions", "embeddings", "models"],
  }),
  openAICompatible({
    id: "siliconflow",
    streamUsage: true,
    baseUrl: "https://api.siliconflow.cn/v1",
    endpoints: ["chat", "embeddings", "models"],
  }),
  huggingfaceAdapter,
  openAICompatible({
    id: "lm-studio",
    streamUsage: true,
    requiresKey: false,
    customHostSuffix: "/v1",
    endpoints: ["chat", "completions", "embeddings", "models"],
  }),
  openAICompatible({
    id: "vllm",
    streamUsage: true,
    requiresKey: false,
    customHostSuffix: "/v1",
    endpoints: ["chat", "completions", "embeddings", "models", "rerank"],
  }),
  openAICompatible({
    id: "nvidia-nim",
    streamUsage: true,
    baseUrl: "https://integrate.api.nvidia.com/v1",
    endpoints: ["chat", "completions", "embeddings", "models"],
  }),
  openAICompatible({
    id: "dashscope",
    streamUsage: true,
    baseUrl: "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
    endpoints: ["chat", "embeddings", "models"],
  }),
  openAICompatible({
    id: "moonshot",
    streamUsage: true,
    baseUrl: "https://api.moonshot.cn/v1",
    customHostSuffix: "/v1",
    endpoints: ["chat", "models"],
  }),
  openAICompatible({
    id: "zhipu",
    streamUsage: true,
    baseUrl: "https://open.bigmodel.cn/api/paas/v4",
    endpoints: ["chat", "embeddings"],
  }),
  openAICompatible({ id: "z-ai", streamUsage: true, baseUrl: "https://api.z.ai/api/paas/v4", endpoints: ["chat"] }),
  openAICompatible({
    id: "github",
    streamUsage: true,
    baseUrl: "https://models.github.ai/inference",
    endpoints: ["chat", "embeddings"],
  }),
];
