import { BadRequestError } from "../core/errors";
import { type LazyEngine, lazyEngine, OnDemandLoadError } from "../core/lazy-engine";
import { azureAiAdapter } from "./azure-ai";
import { azureOpenAIAdapter } from "./azure-openai";
import { mistralAdapter } from "./mistral-ai";
import { OPENAI_FAMILY } from "./openai-family";
import type { ProviderAdapter } from "./types";
import { workersAiAdapter } from "./workers-ai";

/**
 * A provider whose module (transforms, stream decoders, signers) loads with its first request, not at cold start
 * (ADR 0044): the registry knows its id without it.
 */
export interface ProviderOnDemand {
  readonly id: string;
  readonly module: LazyEngine<ProviderAdapter>;
}

export function providerOnDemand(id: string, importAdapter: () => Promise<ProviderAdapter>): ProviderOnDemand {
  const module = lazyEngine(`provider ${id}`, async () => {
    const adapter = await importAdapter();
    if (adapter.id !== id) throw new Error(`The module loaded for provider "${id}" declares "${adapter.id}"`);
    return adapter;
  });
  return { id, module };
}

/** A provider's module failed to load (a broken deployment, or a passing fault): nothing was sent upstream. */
export class ProviderLoadError extends OnDemandLoadError {
  constructor(id: string, cause: unknown) {
    super(`provider "${id}"`, "provider_unavailable", cause);
  }
}

type RegistryEntry = ProviderAdapter | ProviderOnDemand;

function isLoaded(entry: RegistryEntry): entry is ProviderAdapter {
  return !("module" in entry);
}

/** Provider id -> adapter. Built once per process; lookups are a Map get. */
export class ProviderRegistry {
  private readonly byId = new Map<string, RegistryEntry>();

  constructor(providers: readonly RegistryEntry[]) {
    for (const provider of providers) this.byId.set(provider.id, provider);
  }

  private entry(id: string): RegistryEntry {
    const entry = this.byId.get(id);
    if (!entry) {
      throw new BadRequestError(`Unknown provider "${id}". Known providers: ${[...this.byId.keys()].join(", ")}.`, {
        param: "provider",
        code: "unknown_provider",
      });
    }
    return entry;
  }

  /**
   * The adapter, its module loaded first if it is on demand (once per process; a failed import is a 500
   * `provider_unavailable` and is tried again by the next request). Unknown ids: the 400 `unknown_provider`.
   */
  async load(id: string): Promise<ProviderAdapter> {
    const entry = this.entry(id);
    if (isLoaded(entry)) return entry;
    try {
      return await entry.module.load();
    } catch (err) {
      throw new ProviderLoadError(id, err);
    }
  }

  /** The adapter of a provider already loaded (`load`); one on demand not loaded yet throws `EngineNotLoadedError`. */
  get(id: string): ProviderAdapter {
    const entry = this.entry(id);
    return isLoaded(entry) ? entry : entry.module.get();
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }
}

/**
 * Providers whose wire format differs from OpenAI's: translated by pure transforms. Those built on the OpenAI base
 * (`openAICompatible`) load with the gateway; the others with their first request.
 */
export const TRANSLATED_PROVIDERS: readonly RegistryEntry[] = [
  providerOnDemand("anthropic", async () => (await import("./anthropic")).anthropicAdapter),
  providerOnDemand("google", async () => (await import("./google")).googleAdapter),
  providerOnDemand("bedrock", async () => (await import("./bedrock")).bedrockAdapter),
  azureOpenAIAdapter,
  mistralAdapter,
  providerOnDemand("cohere", async () => (await import("./cohere")).cohereAdapter),
  providerOnDemand("stability-ai", async () => (await import("./stability-ai")).stabilityAdapter),
  providerOnDemand("vertex-ai", async () => (await import("./vertex-ai")).vertexAdapter),
  workersAiAdapter,
  azureAiAdapter,
  providerOnDemand("voyage", async () => (await import("./voyage")).voyageAdapter),
  providerOnDemand("jina", async () => (await import("./jina")).jinaAdapter),
  providerOnDemand("modelslab", async () => (await import("./modelslab")).modelsLabAdapter),
];

export function defaultProviderRegistry(): ProviderRegistry {
  return new ProviderRegistry([...OPENAI_FAMILY, ...TRANSLATED_PROVIDERS]);
}
