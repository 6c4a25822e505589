import { embedRerankProvider } from "./embed-rerank-provider";
import type { ProviderAdapter } from "./types";

/** Jina AI: `POST /v1/embeddings` (floats asked for with `embedding_type`) and `POST /v1/rerank`. */
export const jinaAdapter: ProviderAdapter = embedRerankProvider({
  id: "jina",
  defaultBaseUrl: "https://api.jina.ai/v1",
  embeddingsFields: (body) => ({
    embedding_type: "float",
    ...(typeof body.task === "string" ? { task: body.task } : {}),
    ...(typeof body.dimensions === "number" ? { dimensions: body.dimensions } : {}),
  }),
  rerankFields: (req) => ({ ...(req.topN === undefined ? {} : { top_n: req.topN }), return_documents: false }),
  resultsField: "results",
});
