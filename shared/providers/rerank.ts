import { BadRequestError } from "../core/errors";
import type { TranslatedResponse, Usage } from "./types";

/**
 * `POST /v1/rerank` as the gateway speaks it (Cohere's and Portkey's shape): `{model, query, documents, top_n?,
 * return_documents?}`, documents as strings or `{text}` objects; the answer `{object: "list", model, results:
 * [{index, relevance_score, document?: {text}}], usage}`, results best first. Each provider maps to and from it.
 */
export interface RerankRequest {
  readonly model: string;
  readonly query: string;
  readonly documents: readonly string[];
  readonly topN: number | undefined;
  readonly returnDocuments: boolean;
}

export interface RerankResult {
  readonly index: number;
  readonly relevance_score: number;
}

function invalid(param: string, message: string): BadRequestError {
  return new BadRequestError(message, { param, code: "invalid_value" });
}

function documentText(doc: unknown): string | undefined {
  if (typeof doc === "string") return doc;
  if (doc && typeof doc === "object" && typeof (doc as { text?: unknown }).text === "string") {
    return (doc as { text: string }).text;
  }
  return undefined;
}

/** Reads and checks a rerank request: a bad one is a 400 naming the field, before anything is sent. */
export function readRerankRequest(body: Readonly<Record<string, unknown>>): RerankRequest {
  const { model, query, documents, top_n: topN, return_documents: returnDocuments } = body;
  if (typeof model !== "string" || model === "") throw invalid("model", '"model" must be a non-empty string.');
  if (typeof query !== "string" || query === "") throw invalid("query", '"query" must be a non-empty string.');
  if (!Array.isArray(documents) || documents.length === 0) {
    throw invalid("documents", '"documents" must be a non-empty array of strings or {"text": ...} objects.');
  }
  const texts = documents.map(documentText);
  if (texts.some((t) => t === undefined)) {
    throw invalid("documents", '"documents" must be a non-empty array of strings or {"text": ...} objects.');
  }
  if (topN !== undefined && !(Number.isInteger(topN) && (topN as number) > 0)) {
    throw invalid("top_n", '"top_n" must be a positive integer.');
  }
  if (returnDocuments !== undefined && typeof returnDocuments !== "boolean") {
    throw invalid("return_documents", '"return_documents" must be a boolean.');
  }
  return {
    model,
    query,
    documents: texts as string[],
    topN: topN as number | undefined,
    returnDocuments: returnDocuments === true,
  };
}

/** The gateway's rerank answer from a provider's results (index into the request's documents, score). */
export function rerankAnswer(
  req: RerankRequest,
  results: readonly RerankResult[],
  model: string,
  promptTokens: number,
): TranslatedResponse {
  const usage: Usage = { prompt_tokens: promptTokens, completion_tokens: 0, total_tokens: promptTokens };
  const body = {
    object: "list",
    model,
    results: results.map(({ index, relevance_score }) => ({
      index,
      relevance_score,
      ...(req.returnDocuments && req.documents[index] !== undefined
        ? { document: { text: req.documents[index] } }
        : {}),
    })),
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
  return { body: JSON.stringify(body), contentType: "application/json", usage, model };
}

/** A provider's result list (`results` or `data`) as index + score pairs; anything else is dropped. */
export function readRerankResults(list: unknown): RerankResult[] {
  if (!Array.isArray(list)) return [];
  const out: RerankResult[] = [];
  for (const item of list) {
    const { index, relevance_score } = (item ?? {}) as Record<string, unknown>;
    if (typeof index === "number" && typeof relevance_score === "number") out.push({ index, relevance_score });
  }
  return out;
}
