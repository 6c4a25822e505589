import { AuthenticationError, BadRequestError } from "../core/errors";
import { baseUrl, parseUpstreamJson, requestedModel, requireOption, wantsUsage } from "./adapter-kit";
import { ANTHROPIC_PARAMS, toAnthropicBody } from "./anthropic-request";
import { fromAnthropicMessage } from "./anthropic-response";
import { AnthropicStreamTranslator } from "./anthropic-stream";
import { readChatRequest } from "./chat-request";
import { defineProvider } from "./define-provider";
import { embeddingInputs, embeddingsResponse } from "./embeddings";
import { GOOGLE_PARAMS, geminiModelId, toGeminiBody } from "./google-request";
import { fromGeminiResponse, GeminiStreamTranslator, geminiErrorBody } from "./google-response";
import { ServiceAccountTokens } from "./google-service-account";
import { JsonToolStream, jsonToolDropped, unwrapJsonAnswer, wantsJsonTool } from "./json-tool";
import { toOpenAIErrorBody } from "./openai-errors";
import { applyParamPolicy } from "./param-policy";
import { checkProviderOption, optionHeader } from "./provider-options";
import type { ProviderAdapter, TransformContext, TranslatedResponse, UpstreamRequest } from "./types";

/** Anthropic's API version for Claude on Vertex AI (sent in the body, not a header). */
export const VERTEX_ANTHROPIC_VERSION = "vertex-2023-10-16";

/** Model publishers on Vertex AI, as Portkey names them: `anthropic.claude-...@...`; no prefix (or `google.`) is Gemini. */
type Publisher = "google" | "anthropic";
const OTHER_PUBLISHERS = new Set(["meta", "mistralai", "endpoints"]);

interface VertexModel {
  readonly publisher: Publisher;
  readonly model: string;
}

function modelOf(ctx: TransformContext): VertexModel {
  const requested = requestedModel(ctx.body);
  if (!requested) throw new BadRequestError('"model" is required.', { param: "model", code: "invalid_value" });
  const dot = requested.indexOf(".");
  const prefix = dot > 0 ? requested.slice(0, dot) : "";
  if (prefix === "anthropic") return { publisher: "anthropic", model: requested.slice(dot + 1) };
  if (prefix === "google") return { publisher: "google", model: geminiModelId(requested.slice(dot + 1)) };
  if (OTHER_PUBLISHERS.has(prefix)) {
    throw new BadRequestError(`Provider vertex-ai serves Gemini and Anthropic models here, not "${prefix}." models.`, {
      param: "model",
      code: "unsupported_model",
    });
  }
  return { publisher: "google", model: geminiModelId(requested) };
}

export interface VertexAdapterOptions {
  /** The process's service-account token cache (one per process; tests pass their own clock). */
  readonly tokens?: ServiceAccountTokens;
}

/**
 * Google Vertex AI: Gemini (`generateContent`, `streamGenerateContent?alt=sse`), Claude (`rawPredict`,
 * `streamRawPredict`, Anthropic's body with `anthropic_version: vertex-2023-10-16`) and text embeddings
 * (`predict`), at `https://{region}-aiplatform.googleapis.com/v1/projects/{project}/locations/{region}/publishers/
 * {publisher}/models/{model}:{method}`. Auth: an OAuth access token as the Bearer key, or a service-account key
 * file exchanged for one in `sign` (google-service-account.ts).
 */
export function createVertexAdapter(adapterOptions: VertexAdapterOptions = {}): ProviderAdapter {
  const tokens = adapterOptions.tokens ?? new ServiceAccountTokens();

  function keyFileOf(ctx: TransformContext): string | undefined {
    return ctx.target.options?.vertexServiceAccountJson || undefined;
  }

  function projectOf(ctx: TransformContext): string {
    if (ctx.target.options?.vertexProjectId) return requireOption(ctx, "vertexProjectId", "vertex-ai");
    const keyFile = keyFileOf(ctx);
    const fromKey = keyFile ? tokens.account(keyFile).projectId : undefined;
    if (fromKey) return checkProviderOption("vertexProjectId", fromKey);
    return requireOption(ctx, "vertexProjectId", "vertex-ai");
  }

  function urlFor(ctx: TransformContext, target: VertexModel, method: string): string {
    const region = requireOption(ctx, "vertexRegion", "vertex-ai");
    const host =
      region === "global" ? "https://aiplatform.googleapis.com" : `https://${region}-aiplatform.googleapis.com`;
    const path = `/v1/projects/${projectOf(ctx)}/locations/${region}/publishers/${target.publisher}/models/${encodeURIComponent(target.model)}`;
    return `${baseUrl(ctx, host)}${path}:${method}`;
  }

  function headersOf(ctx: TransformContext): Record<string, string> {
    return { ...ctx.target.forwardHeaders, "content-type": "application/json" };
  }

  function chatRequest(ctx: TransformContext): UpstreamRequest {
    const target = modelOf(ctx);
    const headers = headersOf(ctx);
    if (target.publisher === "anthropic") {
      const dropped = [...applyParamPolicy(ctx.body, ANTHROPIC_PARAMS, "vertex-ai"), ...jsonToolDropped(ctx.body)];
      const chat = readChatRequest(ctx.body);
      const { model: _model, ...body } = toAnthropicBody(chat);
      const beta = ctx.target.options?.anthropicBeta;
      if (beta) headers["anthropic-beta"] = beta;
      return {
        url: urlFor(ctx, target, chat.stream ? "streamRawPredict" : "rawPredict"),
        method: "POST",
        headers,
        body: JSON.stringify({ anthropic_version: VERTEX_ANTHROPIC_VERSION, ...body }),
        droppedParams: dropped,
      };
    }
    const dropped = applyParamPolicy(ctx.body, GOOGLE_PARAMS, "vertex-ai");
    const chat = readChatRequest(ctx.body);
    return {
      url: urlFor(ctx, target, chat.stream ? "streamGenerateContent?alt=sse" : "generateContent"),
      method: "POST",
      headers,
      body: JSON.stringify(toGeminiBody(chat, target.model)),
      droppedParams: dropped,
    };
  }

  function chatAnswer(_status: number, raw: Buffer, ctx: TransformContext): TranslatedResponse {
    const json = parseUpstreamJson(raw, "vertex-ai");
    const requested = requestedModel(ctx.body);
    const claude = modelOf(ctx).publisher === "anthropic";
    const { body, usage, model } = claude ? fromAnthropicMessage(json, requested) : fromGeminiResponse(json, requested);
    const text = JSON.stringify(body);
    // Claude's JSON answers come through a forced tool (json-tool.ts)
    const answer = claude && wantsJsonTool(ctx.body) ? unwrapJsonAnswer(text) : text;
    return { body: answer, contentType: "application/json", usage, model };
  }

  function embeddingsRequest(ctx: TransformContext): UpstreamRequest {
    const target = modelOf(ctx);
    if (target.publisher !== "google") {
      throw new BadRequestError("Provider vertex-ai embeds with Google's text-embedding models only.", {
        param: "model",
        code: "unsupported_model",
      });
    }
    const instances = embeddingInputs(ctx.body).map((content) => ({ content }));
    const dims = ctx.body.dimensions;
    const parameters = typeof dims === "number" ? { parameters: { outputDimensionality: dims } } : {};
    return {
      url: urlFor(ctx, target, "predict"),
      method: "POST",
      headers: headersOf(ctx),
      body: JSON.stringify({ instances, ...parameters }),
    };
  }

  function embeddingsAnswer(_status: number, raw: Buffer, ctx: TransformContext): TranslatedResponse {
    const json = parseUpstreamJson(raw, "vertex-ai");
    let tokens = 0;
    const vectors = (Array.isArray(json.predictions) ? json.predictions : []).map((p) => {
      const embeddings = (p as { embeddings?: { values?: unknown; statistics?: { token_count?: unknown } } })
        .embeddings;
      const count = embeddings?.statistics?.token_count;
      if (typeof count === "number") tokens += count;
      return Array.isArray(embeddings?.values) ? (embeddings.values as number[]) : [];
    });
    const { body, usage } = embeddingsResponse(vectors, requestedModel(ctx.body), tokens, ctx.body.encoding_format);
    return { body, contentType: "application/json", usage };
  }

  return defineProvider({
    id: "vertex-ai",
    endpoints: {
      chat: {
        toRequest: chatRequest,
        fromResponse: chatAnswer,
        stream: (ctx) => {
          if (modelOf(ctx).publisher !== "anthropic") {
            return new GeminiStreamTranslator(requestedModel(ctx.body), wantsUsage(ctx.body));
          }
          const claude = new AnthropicStreamTranslator(requestedModel(ctx.body), wantsUsage(ctx.body));
          return wantsJsonTool(ctx.body) ? new JsonToolStream(claude) : claude;
        },
      },
      embeddings: { toRequest: embeddingsRequest, fromResponse: embeddingsAnswer },
    },
    async sign(req, ctx, io) {
      const keyFile = keyFileOf(ctx);
      let token = ctx.target.apiKey;
      if (keyFile) {
        if (!io) throw new Error("vertex-ai: a service-account token exchange needs the side-call transport.");
        token = await tokens.token(tokens.account(keyFile), io);
      }
      if (!token) {
        throw new AuthenticationError(
          `No credentials for provider vertex-ai: send an access token as "Authorization: Bearer ...", or a service-account key file (${optionHeader("vertexServiceAccountJson")} or a virtual key).`,
          { code: "missing_provider_key" },
        );
      }
      return { ...req, headers: { ...req.headers, authorization: `Bearer ${token}` } };
    },
    mapError: (status, body) => geminiErrorBody(status, body) ?? toOpenAIErrorBody(status, body, "vertex-ai"),
  });
}

export const vertexAdapter: ProviderAdapter = createVertexAdapter();
