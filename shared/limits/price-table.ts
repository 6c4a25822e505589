import { priceFor as tablePrice } from "../pricing/cost";
import type { ModelPrice, PriceFor } from "./pricing";

/** The budget ledger's view of the price table (shared/pricing): USD per million tokens, undefined when unknown. */
export const priceFromTable: PriceFor = (provider: string, model: string): ModelPrice | undefined => {
  const triple = tablePrice(provider, model);
  if (!triple) return undefined;
  const [input, output, cached, cacheWrite] = triple;
  const price: { -readonly [K in keyof ModelPrice]: ModelPrice[K] } = { inputPerMTok: input, outputPerMTok: output };
  if (cached !== null) price.cachedInputPerMTok = cached;
  if (cacheWrite !== undefined) price.cacheWriteInputPerMTok = cacheWrite;
  return price;
};
