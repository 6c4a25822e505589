import { openAICompatible } from "./openai-compatible";
import type { ProviderAdapter } from "./types";

/**
 * OpenAI and the providers that speak its wire format. Base URLs from each provider's API reference. Mistral and
 * Azure OpenAI differ in details and have their own files (mistral-ai.ts, azure-openai.ts).
 */
export const OPENAI_FAMILY: readonly ProviderAdapter[] = [
  openAICompatible({ id: "openai", streamUsage: true, baseUrl: "https://api.openai.com/v1" }),
  openAICompatible({ id: "groq", streamUsage: true, baseUrl: "https://api.groq.com/openai/v1" }),
  openAICompatible({ id: "together-ai", streamUsage: true, baseUrl: "https://api.together.xyz/v1" }),
  openAICompatible({ id: "fireworks-ai", streamUsage: true, baseUrl: "https://api.fireworks.ai/inference/v1" }),
  openAICompatible({ id: "deepseek", streamUsage: true, baseUrl: "https://api.deepseek.com/v1" }),
  openAICompatible({ id: "openrouter", streamUsage: true, baseUrl: "https://openrouter.ai/api/v1" }),
  openAICompatible({ id: "perplexity-ai", baseUrl: "https://api.perplexity.ai", endpoints: ["chat"] }),
  openAICompatible({ id: "x-ai", streamUsage: true, baseUrl: "https://api.x.ai/v1" }),
  openAICompatible({ id: "ollama", requiresKey: false, customHostSuffix: "/v1" }),
];
