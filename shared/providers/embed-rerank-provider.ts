import { baseUrl, parseUpstreamJson, requestedModel, requireKey } from "./adapter-kit";
import { defineProvider } from "./define-provider";
import { embeddingInputs, embeddingsResponse } from "./embeddings";
import { toOpenAIErrorBody } from "./openai-errors";
import { type RerankRequest, readRerankRequest, readRerankResults, rerankAnswer } from "./rerank";
import type { ProviderAdapter, TransformContext, TranslatedResponse, UpstreamRequest } from "./types";

/** What differs between the embeddings-and-rerank providers (Voyage AI, Jina AI): field names, nothing else. */
export interface EmbedRerankSpec {
  readonly id: string;
  readonly defaultBaseUrl: string;
  /** The provider's embeddings body beyond `model` and `input` (floats are always asked for). */
  readonly embeddingsFields: (body: Readonly<Record<string, unknown>>) => Record<string, unknown>;
  /** The provider's rerank body beyond `model`, `query` and `documents`. */
  readonly rerankFields: (req: RerankRequest) => Record<string, unknown>;
  /** The answer's field holding the ranked results. */
  readonly resultsField: string;
}

function totalTokens(json: Record<string, unknown>): number {
  const total = (json.usage as { total_tokens?: unknown } | undefined)?.total_tokens;
  return typeof total === "number" ? total : 0;
}

/**
 * A provider serving `POST {base}/embeddings` and `POST {base}/rerank` with a Bearer key, OpenAI-like embedding
 * answers (`data[].embedding`, `index`) and usage as `total_tokens` (all input). OpenAI's `encoding_format` is made
 * here from the floats.
 */
export function embedRerankProvider(spec: EmbedRerankSpec): ProviderAdapter {
  const { id } = spec;
  const post = (ctx: TransformContext, path: string, body: Record<string, unknown>): UpstreamRequest => ({
    url: `${baseUrl(ctx, spec.defaultBaseUrl)}${path}`,
    method: "POST",
    headers: {
      ...ctx.target.forwardHeaders,
      "content-type": "application/json",
      authorization: `Bearer ${requireKey(ctx, id)}`,
    },
    body: JSON.stringify(body),
  });

  function embeddingsAnswer(_status: number, raw: Buffer, ctx: TransformContext): TranslatedResponse {
    const json = parseUpstreamJson(raw, id);
    const data = Array.isArray(json.data) ? (json.data as { embedding?: unknown; index?: unknown }[]) : [];
    const vectors = [...data]
      .sort((a, b) => Number(a.index) - Number(b.index))
      .map((d) => (Array.isArray(d.embedding) ? (d.embedding as number[]) : []));
    const model = typeof json.model === "string" ? json.model : requestedModel(ctx.body);
    const { body, usage } = embeddingsResponse(vectors, model, totalTokens(json), ctx.body.encoding_format);
    return { body, contentType: "application/json", usage, model };
  }

  function rerankResponse(_status: number, raw: Buffer, ctx: TransformContext): TranslatedResponse {
    const json = parseUpstreamJson(raw, id);
    const req = readRerankRequest(ctx.body);
    const model = typeof json.model === "string" ? json.model : req.model;
    return rerankAnswer(req, readRerankResults(json[spec.resultsField]), model, totalTokens(json));
  }

  return defineProvider({
    id,
    defaultBaseUrl: spec.defaultBaseUrl,
    endpoints: {
      embeddings: {
        toRequest: (ctx) =>
          post(ctx, "/embeddings", {
            model: requestedModel(ctx.body),
            input: embeddingInputs(ctx.body),
            ...spec.embeddingsFields(ctx.body),
          }),
        fromResponse: embeddingsAnswer,
      },
      rerank: {
        toRequest: (ctx) => {
          const req = readRerankRequest(ctx.body);
          return post(ctx, "/rerank", {
            model: req.model,
            query: req.query,
            documents: req.documents,
            ...spec.rerankFields(req),
          });
        },
        fromResponse: rerankResponse,
      },
    },
    mapError: (status, body) => toOpenAIErrorBody(status, body, id),
  });
}
