import { MODEL_CONTEXT_WINDOWS } from "../pricing/context-windows";
import { priceTableName } from "../pricing/cost";
import { MODEL_PRICES, PRICES_AS_OF, type PriceTriple } from "../pricing/prices";
import type { VirtualKeySummary } from "../store/virtual-key-resolver";

/** Prices of a catalog entry: USD per 1M tokens, as the price table lists them (shared/pricing/prices.ts). */
export interface CatalogPricing {
  readonly currency: "USD";
  readonly unit: "1M tokens";
  readonly input: number;
  readonly output: number;
  /** Cached prompt tokens, where the provider discounts them. */
  readonly cache_read?: number;
  /** Prompt tokens written to the provider's cache, where it charges extra for them. */
  readonly cache_write?: number;
}

/** One model of the catalog: OpenAI's model object, plus where it routes and what it costs. */
export interface CatalogModel {
  /** `@<virtual-key>/<model>`: usable as `model` with the gateway key alone. */
  readonly id: string;
  readonly object: "model";
  /** The price table's date (the gateway does not know when the provider released the model). */
  readonly created: number;
  readonly owned_by: string;
  readonly provider: string;
  readonly virtual_key: string;
  /** The model id the provider receives. */
  readonly model: string;
  readonly pricing: CatalogPricing;
  /** Tokens (prompt and completion together); null when the table does not know it. */
  readonly context_window: number | null;
}

/** A workspace's catalog: the list body (serialised once) and its models by id. */
export interface ModelCatalog {
  readonly body: string;
  readonly byId: ReadonlyMap<string, string>;
}

type ProviderModel = Omit<CatalogModel, "id" | "virtual_key">;

const CREATED = Math.floor(Date.parse(PRICES_AS_OF) / 1000);

/** Claude on Vertex AI sits in the google table (it bills like it) but routes only through vertex-ai. */
function servedBy(provider: string, model: string): boolean {
  return !model.startsWith("anthropic.") || provider === "vertex-ai" || priceTableName(provider) !== "google";
}

function pricingOf([input, output, cacheRead, cacheWrite]: PriceTriple): CatalogPricing {
  return {
    currency: "USD",
    unit: "1M tokens",
    input,
    output,
    ...(cacheRead === null ? {} : { cache_read: cacheRead }),
    ...(cacheWrite === undefined ? {} : { cache_write: cacheWrite }),
  };
}

/** A provider's models, from the price table: built once per provider. */
const providerModels = new Map<string, readonly ProviderModel[]>();

function modelsOf(provider: string): readonly ProviderModel[] {
  let models = providerModels.get(provider);
  if (models) return models;
  const table = priceTableName(provider);
  const prices = Object.hasOwn(MODEL_PRICES, table) ? MODEL_PRICES[table] : undefined;
  const windows = Object.hasOwn(MODEL_CONTEXT_WINDOWS, table) ? MODEL_CONTEXT_WINDOWS[table] : undefined;
  models = Object.entries(prices ?? {})
    .filter(([model]) => servedBy(provider, model))
    .map(([model, price]) => ({
      object: "model" as const,
      created: CREATED,
      owned_by: provider,
      provider,
      model,
      pricing: pricingOf(price),
      context_window: (windows && Object.hasOwn(windows, model) ? windows[model] : undefined) ?? null,
    }));
  providerModels.set(provider, models);
  return models;
}

/** The catalog of a workspace's virtual keys, memoised per list (the cached lookup hands out the same array). */
const catalogs = new WeakMap<readonly VirtualKeySummary[], ModelCatalog>();

/**
 * The models of the providers behind `keys`, from the price table, in OpenAI's list shape: one entry per virtual key
 * and priced model, its id `@<slug>/<model>` (the form the parse step routes). A provider without prices adds none.
 */
export function modelCatalog(keys: readonly VirtualKeySummary[]): ModelCatalog {
  const known = catalogs.get(keys);
  if (known) return known;
  const data: CatalogModel[] = [];
  const byId = new Map<string, string>();
  for (const key of keys) {
    for (const model of modelsOf(key.provider)) {
      const entry: CatalogModel = {
        id: `@${key.slug}/${model.model}`,
        ...model,
        virtual_key: key.slug,
      };
      data.push(entry);
      byId.set(entry.id, JSON.stringify(entry));
    }
  }
  const catalog: ModelCatalog = { body: JSON.stringify({ object: "list", data }), byId };
  catalogs.set(keys, catalog);
  return catalog;
}
