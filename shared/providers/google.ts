import { BadRequestError } from "../core/errors";
import { baseUrl, parseUpstreamJson, requestedModel, requireKey, wantsUsage } from "./adapter-kit";
import { readChatRequest } from "./chat-request";
import { defineProvider } from "./define-provider";
import { embeddingInputs, embeddingsResponse } from "./embeddings";
import { GOOGLE_PARAMS, geminiModelId, toGeminiBody } from "./google-request";
import { fromGeminiResponse, GeminiStreamTranslator, geminiErrorBody } from "./google-response";
import { toOpenAIErrorBody } from "./openai-errors";
import { applyParamPolicy } from "./param-policy";
import type { ProviderAdapter, TransformContext, TranslatedResponse, UpstreamRequest } from "./types";

/** The API version: a custom host replaces only the origin, the gateway adds the version (as Portkey's gateway). */
const VERSION = "/v1beta";
const BASE_URL = `https://generativelanguage.googleapis.com${VERSION}`;

function modelOf(ctx: TransformContext): string {
  const model = requestedModel(ctx.body);
  if (!model) throw new BadRequestError('"model" is required.', { param: "model", code: "invalid_value" });
  return geminiModelId(model);
}

function headersOf(ctx: TransformContext): Record<string, string> {
  return {
    ...ctx.target.forwardHeaders,
    "content-type": "application/json",
    "x-goog-api-key": requireKey(ctx, "google"),
  };
}

function embeddingsRequest(ctx: TransformContext): UpstreamRequest {
  const model = modelOf(ctx);
  const dims = typeof ctx.body.dimensions === "number" ? { outputDimensionality: ctx.body.dimensions } : {};
  const requests = embeddingInputs(ctx.body).map((text) => ({
    model: `models/${model}`,
    content: { parts: [{ text }] },
    ...dims,
  }));
  return {
    url: `${baseUrl(ctx, BASE_URL, VERSION)}/models/${encodeURIComponent(model)}:batchEmbedContents`,
    method: "POST",
    headers: headersOf(ctx),
    body: JSON.stringify({ requests }),
  };
}

function embeddingsAnswer(_status: number, raw: Buffer, ctx: TransformContext): TranslatedResponse {
  const json = parseUpstreamJson(raw, "google");
  const vectors = (Array.isArray(json.embeddings) ? json.embeddings : []).map((e) => {
    const values = (e as { values?: unknown }).values;
    return Array.isArray(values) ? (values as number[]) : [];
  });
  const { body, usage } = embeddingsResponse(vectors, requestedModel(ctx.body), 0, ctx.body.encoding_format);
  return { body, contentType: "application/json", usage };
}

function chatRequest(ctx: TransformContext): UpstreamRequest {
  const dropped = applyParamPolicy(ctx.body, GOOGLE_PARAMS, "google");
  const chat = readChatRequest(ctx.body);
  const model = geminiModelId(chat.model);
  const method = chat.stream ? "streamGenerateContent?alt=sse" : "generateContent";
  return {
    url: `${baseUrl(ctx, BASE_URL, VERSION)}/models/${encodeURIComponent(model)}:${method}`,
    method: "POST",
    headers: headersOf(ctx),
    body: JSON.stringify(toGeminiBody(chat, model)),
    droppedParams: dropped,
  };
}

function chatAnswer(_status: number, raw: Buffer, ctx: TransformContext): TranslatedResponse {
  const json = parseUpstreamJson(raw, "google");
  const { body, usage, model } = fromGeminiResponse(json, requestedModel(ctx.body));
  return { body: JSON.stringify(body), contentType: "application/json", usage, model };
}

/** Google Gemini API (generateContent, streamGenerateContent?alt=sse, batchEmbedContents; `x-goog-api-key`). */
export const googleAdapter: ProviderAdapter = defineProvider({
  id: "google",
  defaultBaseUrl: BASE_URL,
  endpoints: {
    chat: {
      toRequest: chatRequest,
      fromResponse: chatAnswer,
      stream: (ctx) => new GeminiStreamTranslator(requestedModel(ctx.body), wantsUsage(ctx.body)),
    },
    embeddings: { toRequest: embeddingsRequest, fromResponse: embeddingsAnswer },
  },
  mapError: (status, body) => geminiErrorBody(status, body) ?? toOpenAIErrorBody(status, body, "google"),
});
