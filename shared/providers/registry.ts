import { BadRequestError } from "../core/errors";
import { anthropicAdapter } from "./anthropic";
import { azureAiAdapter } from "./azure-ai";
import { azureOpenAIAdapter } from "./azure-openai";
import { bedrockAdapter } from "./bedrock";
import { cohereAdapter } from "./cohere";
import { googleAdapter } from "./google";
import { jinaAdapter } from "./jina";
import { mistralAdapter } from "./mistral-ai";
import { modelsLabAdapter } from "./modelslab";
import { OPENAI_FAMILY } from "./openai-family";
import { stabilityAdapter } from "./stability-ai";
import type { ProviderAdapter } from "./types";
import { vertexAdapter } from "./vertex-ai";
import { voyageAdapter } from "./voyage";
import { workersAiAdapter } from "./workers-ai";

/** Provider id -> adapter. Built once at module load; lookups are a Map get. */
export class ProviderRegistry {
  private readonly byId = new Map<string, ProviderAdapter>();

  constructor(adapters: readonly ProviderAdapter[]) {
    for (const adapter of adapters) this.byId.set(adapter.id, adapter);
  }

  get(id: string): ProviderAdapter {
    const adapter = this.byId.get(id);
    if (!adapter) {
      throw new BadRequestError(`Unknown provider "${id}". Known providers: ${[...this.byId.keys()].join(", ")}.`, {
        param: "provider",
        code: "unknown_provider",
      });
    }
    return adapter;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }
}

/** Providers whose wire format differs from OpenAI's: translated by pure transforms. */
export const TRANSLATED_PROVIDERS: readonly ProviderAdapter[] = [
  anthropicAdapter,
  googleAdapter,
  bedrockAdapter,
  azureOpenAIAdapter,
  mistralAdapter,
  cohereAdapter,
  stabilityAdapter,
  vertexAdapter,
  workersAiAdapter,
  azureAiAdapter,
  voyageAdapter,
  jinaAdapter,
  modelsLabAdapter,
];

export function defaultProviderRegistry(): ProviderRegistry {
  return new ProviderRegistry([...OPENAI_FAMILY, ...TRANSLATED_PROVIDERS]);
}
