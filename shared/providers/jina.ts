import { baseUrl, parseUpstreamJson, requestedModel, requireKey } from "./adapter-kit";
import { defineProvider } from "./define-provider";
import { embeddingInputs, embeddingsResponse } from "./embeddings";
import { toOpenAIErrorBody } from "./openai-errors";
import { readRerankRequest, readRerankResults, rerankAnswer } from "./rerank";
import type { ProviderAdapter, TransformContext, TranslatedResponse, UpstreamRequest } from "./types";

const BASE_URL = "https://api.jina.ai/v1";

function post(ctx: TransformContext, path: string, body: Record<string, unknown>): UpstreamRequest {
  return {
    url: `${baseUrl(ctx, BASE_URL)}${path}`,
    method: "POST",
    headers: {
      ...ctx.target.forwardHeaders,
      "content-type": "application/json",
      authorization: `Bearer ${requireKey(ctx, "jina")}`,
    },
    body: JSON.stringify(body),
  };
}

function totalTokens(json: Record<string, unknown>): number {
  const total = (json.usage as { total_tokens?: unknown } | undefined)?.total_tokens;
  return typeof total === "number" ? total : 0;
}

/** Floats always asked for (Jina's `embedding_type`); OpenAI's `encoding_format` is honoured here. */
function embeddingsRequest(ctx: TransformContext): UpstreamRequest {
  const body: Record<string, unknown> = {
    model: requestedModel(ctx.body),
    input: embeddingInputs(ctx.body),
    embedding_type: "float",
  };
  if (typeof ctx.body.task === "string") body.task = ctx.body.task;
  if (typeof ctx.body.dimensions === "number") body.dimensions = ctx.body.dimensions;
  return post(ctx, "/embeddings", body);
}

function embeddingsAnswer(_status: number, raw: Buffer, ctx: TransformContext): TranslatedResponse {
  const json = parseUpstreamJson(raw, "jina");
  const data = Array.isArray(json.data) ? (json.data as { embedding?: unknown; index?: unknown }[]) : [];
  const vectors = [...data]
    .sort((a, b) => Number(a.index) - Number(b.index))
    .map((d) => (Array.isArray(d.embedding) ? (d.embedding as number[]) : []));
  const model = typeof json.model === "string" ? json.model : requestedModel(ctx.body);
  const { body, usage } = embeddingsResponse(vectors, model, totalTokens(json), ctx.body.encoding_format);
  return { body, contentType: "application/json", usage, model };
}

function rerankRequest(ctx: TransformContext): UpstreamRequest {
  const req = readRerankRequest(ctx.body);
  const body: Record<string, unknown> = { model: req.model, query: req.query, documents: req.documents };
  if (req.topN !== undefined) body.top_n = req.topN;
  body.return_documents = false;
  return post(ctx, "/rerank", body);
}

function rerankResponse(_status: number, raw: Buffer, ctx: TransformContext): TranslatedResponse {
  const json = parseUpstreamJson(raw, "jina");
  const req = readRerankRequest(ctx.body);
  const model = typeof json.model === "string" ? json.model : req.model;
  return rerankAnswer(req, readRerankResults(json.results), model, totalTokens(json));
}

/** Jina AI: `POST /v1/embeddings` and `POST /v1/rerank`, Bearer key; usage is `total_tokens` (all input). */
export const jinaAdapter: ProviderAdapter = defineProvider({
  id: "jina",
  defaultBaseUrl: BASE_URL,
  endpoints: {
    embeddings: { toRequest: embeddingsRequest, fromResponse: embeddingsAnswer },
    rerank: { toRequest: rerankRequest, fromResponse: rerankResponse },
  },
  mapError: (status, body) => toOpenAIErrorBody(status, body, "jina"),
});
