import { baseUrl, parseUpstreamJson, requestedModel, requireKey, wantsUsage } from "./adapter-kit";
import { readChatRequest } from "./chat-request";
import { COHERE_PARAMS, toCohereBody } from "./cohere-request";
import { CohereStreamTranslator, fromCohereResponse } from "./cohere-response";
import { defineProvider } from "./define-provider";
import { embeddingInputs, embeddingsResponse } from "./embeddings";
import { toOpenAIErrorBody } from "./openai-errors";
import { applyParamPolicy } from "./param-policy";
import { readRerankRequest, readRerankResults, rerankAnswer } from "./rerank";
import type { ProviderAdapter, TransformContext, TranslatedResponse, UpstreamRequest } from "./types";

/** The API version: a custom host replaces only the origin, the gateway adds the version (as Portkey's gateway). */
const VERSION = "/v2";
const BASE_URL = `https://api.cohere.com${VERSION}`;

function headersOf(ctx: TransformContext): Record<string, string> {
  return {
    ...ctx.target.forwardHeaders,
    "content-type": "application/json",
    accept: "application/json",
    authorization: `Bearer ${requireKey(ctx, "cohere")}`,
  };
}

/** A JSON POST to one of Cohere's v2 paths. */
function post(ctx: TransformContext, path: string, body: unknown): UpstreamRequest {
  return {
    url: `${baseUrl(ctx, BASE_URL, VERSION)}${path}`,
    method: "POST",
    headers: headersOf(ctx),
    body: JSON.stringify(body),
  };
}

function embeddingsRequest(ctx: TransformContext): UpstreamRequest {
  const body: Record<string, unknown> = {
    model: requestedModel(ctx.body),
    texts: embeddingInputs(ctx.body),
    // Cohere requires input_type; OpenAI has none. Clients may send it; documented default search_document.
    input_type: typeof ctx.body.input_type === "string" ? ctx.body.input_type : "search_document",
    embedding_types: ["float"],
  };
  if (typeof ctx.body.dimensions === "number") body.output_dimension = ctx.body.dimensions;
  return post(ctx, "/embed", body);
}

function embeddingsAnswer(_status: number, raw: Buffer, ctx: TransformContext): TranslatedResponse {
  const json = parseUpstreamJson(raw, "cohere");
  const vectors = ((json.embeddings as Record<string, unknown> | undefined)?.float ?? []) as number[][];
  const billed = ((json.meta as Record<string, unknown> | undefined)?.billed_units ?? {}) as Record<string, unknown>;
  const tokens = typeof billed.input_tokens === "number" ? billed.input_tokens : 0;
  const { body, usage } = embeddingsResponse(vectors, requestedModel(ctx.body), tokens, ctx.body.encoding_format);
  return { body, contentType: "application/json", usage };
}

function rerankRequest(ctx: TransformContext): UpstreamRequest {
  const req = readRerankRequest(ctx.body);
  const body: Record<string, unknown> = { model: req.model, query: req.query, documents: req.documents };
  if (req.topN !== undefined) body.top_n = req.topN;
  return post(ctx, "/rerank", body);
}

/** Cohere bills rerank in search units, not tokens: the usage carries no tokens (its price is per search). */
function rerankResponse(_status: number, raw: Buffer, ctx: TransformContext): TranslatedResponse {
  const json = parseUpstreamJson(raw, "cohere");
  const req = readRerankRequest(ctx.body);
  return rerankAnswer(req, readRerankResults(json.results), req.model, 0);
}

function chatRequest(ctx: TransformContext): UpstreamRequest {
  const dropped = applyParamPolicy(ctx.body, COHERE_PARAMS, "cohere");
  const body = toCohereBody(readChatRequest(ctx.body));
  return { ...post(ctx, "/chat", body), droppedParams: dropped };
}

function chatAnswer(_status: number, raw: Buffer, ctx: TransformContext): TranslatedResponse {
  const model = requestedModel(ctx.body);
  const { body, usage } = fromCohereResponse(parseUpstreamJson(raw, "cohere"), model);
  return { body: JSON.stringify(body), contentType: "application/json", usage, model };
}

/** Cohere v2: `/v2/chat` (JSON and SSE), `/v2/embed` and `/v2/rerank`, Bearer key. */
export const cohereAdapter: ProviderAdapter = defineProvider({
  id: "cohere",
  defaultBaseUrl: BASE_URL,
  endpoints: {
    chat: {
      toRequest: chatRequest,
      fromResponse: chatAnswer,
      stream: (ctx) => new CohereStreamTranslator(requestedModel(ctx.body), wantsUsage(ctx.body)),
    },
    embeddings: { toRequest: embeddingsRequest, fromResponse: embeddingsAnswer },
    rerank: { toRequest: rerankRequest, fromResponse: rerankResponse },
  },
  mapError: (status, body) => toOpenAIErrorBody(status, body, "cohere"),
});
