/**
 * Per-model list prices in USD per 1M tokens: `[input, output, cachedInput, cacheWriteInput?]` (cachedInput null =
 * the provider has no discounted cached-input rate, cached tokens bill as input; cacheWriteInput = the rate of
 * prompt tokens written to the cache, listed where the provider charges extra for them, Anthropic's 5-minute cache
 * writes at 1.25x input: absent, they bill as input).
 *
 * Source note (compiled 2026-11, from the providers' public pricing pages as quoted by dated secondary sources:
 * OpenAI platform pricing page (GPT-5.x table as of 2026-06, older models as last listed), Anthropic model pricing,
 * Google AI Studio Gemini API pricing (<=200k-token prompt tier), Mistral La Plateforme, Cohere, GroqCloud
 * (2026-06), DeepSeek API (V3.2 prices, 2025-09) and Amazon Bedrock on-demand (us-east-1)). Standard tier only:
 * no batch, flex or long-context (>200k) surcharges. Prices change: update this file, not code. A model that is
 * not listed costs `null` (unknown), never 0.
 */
export type PriceTriple = readonly [
  input: number,
  output: number,
  cachedInput: number | null,
  cacheWriteInput?: number,
];

export const PRICES_AS_OF = "2026-11-01";

/**
 * Anthropic's 1-hour prompt-cache writes (`cache_control: {"type": "ephemeral", "ttl": "1h"}`) cost 2x the base
 * input rate on every model (5-minute writes: the table's cacheWriteInput, 1.25x).
 */
export const ONE_HOUR_CACHE_WRITE_MULTIPLIER = 2;

export const MODEL_PRICES: Readonly<Record<string, Readonly<Record<string, PriceTriple>>>> = {
  openai: {
    "gpt-5.5": [5, 30, 0.5],
    "gpt-5.4": [2.5, 15, 0.25],
    "gpt-5.4-mini": [0.75, 4.5, 0.075],
    "gpt-5.4-nano": [0.2, 1.25, 0.02],
    "gpt-5.1": [1.25, 10, 0.125],
    "gpt-5": [1.25, 10, 0.125],
    "gpt-5-mini": [0.25, 2, 0.025],
    "gpt-5-nano": [0.05, 0.4, 0.005],
    "gpt-4.1": [2, 8, 0.5],
    "gpt-4.1-mini": [0.4, 1.6, 0.1],
    "gpt-4.1-nano": [0.1, 0.4, 0.025],
    "gpt-4o": [2.5, 10, 1.25],
    "gpt-4o-mini": [0.15, 0.6, 0.075],
    "gpt-4-turbo": [10, 30, null],
    "gpt-3.5-turbo": [0.5, 1.5, null],
    o1: [15, 60, 7.5],
    "o1-mini": [1.1, 4.4, 0.55],
    o3: [2, 8, 0.5],
    "o3-mini": [1.1, 4.4, 0.55],
    "o4-mini": [1.1, 4.4, 0.275],
    "text-embedding-3-small": [0.02, 0, null],
    "text-embedding-3-large": [0.13, 0, null],
    "text-embedding-ada-002": [0.1, 0, null],
  },
  anthropic: {
    "claude-opus-4-5": [5, 25, 0.5, 6.25],
    "claude-opus-4-1": [15, 75, 1.5, 18.75],
    "claude-opus-4": [15, 75, 1.5, 18.75],
    "claude-sonnet-4-5": [3, 15, 0.3, 3.75],
    "claude-sonnet-4": [3, 15, 0.3, 3.75],
    "claude-haiku-4-5": [1, 5, 0.1, 1.25],
    "claude-3-7-sonnet": [3, 15, 0.3, 3.75],
    "claude-3-5-sonnet": [3, 15, 0.3, 3.75],
    "claude-3-5-haiku": [0.8, 4, 0.08, 1],
    "claude-3-opus": [15, 75, 1.5, 18.75],
    "claude-3-haiku": [0.25, 1.25, 0.03, 0.3],
  },
  google: {
    "gemini-2.5-pro": [1.25, 10, 0.125],
    "gemini-2.5-flash": [0.3, 2.5, 0.03],
    "gemini-2.5-flash-lite": [0.1, 0.4, 0.01],
    "gemini-2.0-flash": [0.1, 0.4, 0.025],
    "gemini-2.0-flash-lite": [0.075, 0.3, null],
    "gemini-1.5-pro": [1.25, 5, 0.3125],
    "gemini-1.5-flash": [0.075, 0.3, 0.01875],
    "text-embedding-004": [0, 0, null],
    // Claude on Vertex AI (`vertex-ai` bills from this table; `@version` is stripped), Anthropic's list prices
    "anthropic.claude-sonnet-4-5": [3, 15, 0.3],
    "anthropic.claude-sonnet-4": [3, 15, 0.3],
    "anthropic.claude-opus-4-1": [15, 75, 1.5],
    "anthropic.claude-haiku-4-5": [1, 5, 0.1],
    "anthropic.claude-3-7-sonnet": [3, 15, 0.3],
    "anthropic.claude-3-5-sonnet-v2": [3, 15, 0.3],
    "anthropic.claude-3-5-haiku": [0.8, 4, 0.08],
  },
  mistral: {
    "mistral-large": [2, 6, null],
    "mistral-medium": [0.4, 2, null],
    "mistral-small": [0.1, 0.3, null],
    codestral: [0.3, 0.9, null],
    "ministral-8b": [0.1, 0.1, null],
    "ministral-3b": [0.04, 0.04, null],
    "open-mistral-nemo": [0.15, 0.15, null],
    "pixtral-large": [2, 6, null],
    "mistral-embed": [0.1, 0, null],
  },
  cohere: {
    "command-a": [2.5, 10, null],
    "command-r-plus": [2.5, 10, null],
    "command-r": [0.15, 0.6, null],
    "command-r7b": [0.0375, 0.15, null],
    "embed-english-v3.0": [0.1, 0, null],
    "embed-multilingual-v3.0": [0.1, 0, null],
  },
  groq: {
    "openai/gpt-oss-120b": [0.15, 0.6, 0.075],
    "openai/gpt-oss-20b": [0.075, 0.3, 0.0375],
    "llama-3.3-70b-versatile": [0.59, 0.79, null],
    "llama-3.1-8b-instant": [0.05, 0.08, null],
    "meta-llama/llama-4-scout-17b-16e-instruct": [0.11, 0.34, null],
    "meta-llama/llama-4-maverick-17b-128e-instruct": [0.2, 0.6, null],
    "qwen/qwen3-32b": [0.29, 0.59, null],
    "moonshotai/kimi-k2-instruct": [1, 3, null],
  },
  deepseek: {
    "deepseek-chat": [0.28, 0.42, 0.028],
    "deepseek-reasoner": [0.28, 0.42, 0.028],
  },
  bedrock: {
    "anthropic.claude-sonnet-4-5-20250929-v1:0": [3, 15, 0.3, 3.75],
    "anthropic.claude-sonnet-4-20250514-v1:0": [3, 15, 0.3, 3.75],
    "anthropic.claude-opus-4-1-20250805-v1:0": [15, 75, 1.5, 18.75],
    "anthropic.claude-haiku-4-5-20251001-v1:0": [1, 5, 0.1, 1.25],
    "anthropic.claude-3-7-sonnet-20250219-v1:0": [3, 15, 0.3, 3.75],
    "anthropic.claude-3-5-sonnet-20241022-v2:0": [3, 15, 0.3, 3.75],
    "anthropic.claude-3-5-sonnet-20240620-v1:0": [3, 15, null],
    "anthropic.claude-3-5-haiku-20241022-v1:0": [0.8, 4, 0.08, 1],
    "anthropic.claude-3-haiku-20240307-v1:0": [0.25, 1.25, null],
    "amazon.nova-premier-v1:0": [2.5, 12.5, 0.625],
    "amazon.nova-pro-v1:0": [0.8, 3.2, 0.2],
    "amazon.nova-lite-v1:0": [0.06, 0.24, 0.015],
    "amazon.nova-micro-v1:0": [0.035, 0.14, 0.00875],
    "meta.llama3-3-70b-instruct-v1:0": [0.72, 0.72, null],
    "meta.llama3-1-70b-instruct-v1:0": [0.72, 0.72, null],
    "meta.llama3-1-8b-instruct-v1:0": [0.22, 0.22, null],
    "mistral.mistral-large-2402-v1:0": [4, 12, null],
    "cohere.command-r-plus-v1:0": [3, 15, null],
    "cohere.command-r-v1:0": [0.5, 1.5, null],
    "amazon.titan-embed-text-v2:0": [0.02, 0, null],
  },
  // The OpenAI-compatible long tail, rerank and embeddings providers: list prices as last seen on each provider's
  // pricing page (standard serverless tier), recorded 2026-11-01; check before relying on them for budgets
  cerebras: { "llama-3.3-70b": [0.85, 1.2, null] },
  deepinfra: { "meta-llama/meta-llama-3.1-8b-instruct": [0.03, 0.05, null] },
  sambanova: { "meta-llama-3.3-70b-instruct": [0.6, 1.2, null] },
  nebius: { "meta-llama/meta-llama-3.1-70b-instruct": [0.13, 0.4, null] },
  hyperbolic: { "meta-llama/llama-3.3-70b-instruct": [0.4, 0.4, null] },
  lambda: { "llama3.3-70b-instruct-fp8": [0.12, 0.3, null] },
  "novita-ai": { "meta-llama/llama-3.1-8b-instruct": [0.02, 0.05, null] },
  siliconflow: { "qwen/qwen2.5-7b-instruct": [0, 0, null] },
  dashscope: { "qwen-plus": [0.4, 1.2, null] },
  moonshot: { "moonshot-v1-8k": [0.2, 2, null] },
  zhipu: { "glm-4-flash": [0, 0, null] },
  "z-ai": { "glm-4.5": [0.6, 2.2, 0.11] },
  "x-ai": { "grok-3-mini": [0.3, 0.5, 0.075] },
  openrouter: { "openai/gpt-4o-mini": [0.15, 0.6, 0.075] },
  "azure-ai": { "phi-4": [0.125, 0.5, null] },
  voyage: { "voyage-3": [0.06, 0, null], "rerank-2": [0.05, 0, null], "rerank-2-lite": [0.02, 0, null] },
  jina: { "jina-embeddings-v3": [0.05, 0, null], "jina-reranker-v2-base-multilingual": [0.05, 0, null] },
};

/**
 * Models of the conformance table that have no per-token list price, on purpose (provider -> model -> why; model ids as the table lists them, lower-case). Their
 * cost is `null` (unknown): cost budgets refuse them (412 `budget_price_unknown`) until an operator prices them.
 */
export const UNPRICED_ON_PURPOSE: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  huggingface: { "meta-llama/Llama-3.1-8B-Instruct": "billed at the price of the provider the router picks" },
  "lm-studio": { "qwen2.5-7b-instruct": "self-hosted" },
  vllm: { "Qwen/Qwen2.5-7B-Instruct": "self-hosted" },
  "nvidia-nim": { "meta/llama-3.1-8b-instruct": "trial credits or a self-hosted NIM licence, no per-token price" },
  github: { "openai/gpt-4o-mini": "free within GitHub's rate limits, then billed per GitHub plan" },
  "workers-ai": { "@cf/meta/llama-3.1-8b-instruct": "billed in Cloudflare neurons, not tokens" },
  cohere: { "rerank-v3.5": "billed per search unit, not per token" },
  modelslab: { "meta-llama-3-8B-instruct": "billed in ModelsLab credits and plans, not per token" },
};

/** Provider slugs that bill like another table (same model ids, same list prices). */
export const PROVIDER_PRICE_ALIASES: Readonly<Record<string, string>> = {
  "azure-openai": "openai",
  gemini: "google",
  "google-ai-studio": "google",
  "vertex-ai": "google",
  "mistral-ai": "mistral",
  "aws-bedrock": "bedrock",
};
