import { embedRerankProvider } from "./embed-rerank-provider";
import type { ProviderAdapter } from "./types";

/** Voyage AI: `POST /v1/embeddings` and `POST /v1/rerank`; `encoding_format` is null (floats) unless sent. */
export const voyageAdapter: ProviderAdapter = embedRerankProvider({
  id: "voyage",
  defaultBaseUrl: "https://api.voyageai.com/v1",
  embeddingsFields: (body) => ({
    ...(typeof body.input_type === "string" ? { input_type: body.input_type } : {}),
    ...(typeof body.dimensions === "number" ? { output_dimension: body.dimensions } : {}),
  }),
  rerankFields: (req) => (req.topN === undefined ? {} : { top_k: req.topN }),
  resultsField: "data",
});
