import { baseUrl, parseUpstreamJson, requestedModel, wantsUsage } from "./adapter-kit";
import { anthropicCountTokens, anthropicHeaders, anthropicMessages } from "./anthropic-messages";
import { ANTHROPIC_PARAMS, toAnthropicBody } from "./anthropic-request";
import { fromAnthropicMessage } from "./anthropic-response";
import { AnthropicStreamTranslator } from "./anthropic-stream";
import { readChatRequest } from "./chat-request";
import { defineProvider } from "./define-provider";
import { JsonToolStream, jsonToolDropped, unwrapJsonAnswer, wantsJsonTool } from "./json-tool";
import { strictCompliance } from "./openai-chunks";
import { toOpenAIErrorBody } from "./openai-errors";
import { applyParamPolicy } from "./param-policy";
import type { ProviderAdapter, TransformContext, TranslatedResponse, UpstreamRequest } from "./types";

const BASE_URL = "https://api.anthropic.com/v1";
const base = (ctx: TransformContext) => baseUrl(ctx, BASE_URL);

function toRequest(ctx: TransformContext): UpstreamRequest {
  const dropped = [...applyParamPolicy(ctx.body, ANTHROPIC_PARAMS, "anthropic"), ...jsonToolDropped(ctx.body)];
  const body = toAnthropicBody(readChatRequest(ctx.body));
  return {
    url: `${base(ctx)}/messages`,
    method: "POST",
    headers: anthropicHeaders(ctx),
    body: JSON.stringify(body),
    droppedParams: dropped,
  };
}

function fromResponse(_status: number, raw: Buffer, ctx: TransformContext): TranslatedResponse {
  const message = parseUpstreamJson(raw, "anthropic");
  const { body, usage, model } = fromAnthropicMessage(
    message,
    requestedModel(ctx.body),
    strictCompliance(ctx.target.options),
  );
  const text = JSON.stringify(body);
  return {
    body: wantsJsonTool(ctx.body) ? unwrapJsonAnswer(text) : text,
    contentType: "application/json",
    usage,
    model,
  };
}

/** Anthropic Messages API (`POST /v1/messages`, `x-api-key`, `anthropic-version: 2023-06-01`). */
export const anthropicAdapter: ProviderAdapter = defineProvider({
  id: "anthropic",
  defaultBaseUrl: BASE_URL,
  endpoints: {
    chat: {
      toRequest,
      fromResponse,
      stream: (ctx) => {
        const translator = new AnthropicStreamTranslator(
          requestedModel(ctx.body),
          wantsUsage(ctx.body),
          strictCompliance(ctx.target.options),
        );
        return wantsJsonTool(ctx.body) ? new JsonToolStream(translator) : translator;
      },
    },
    // Anthropic's own API: native pass-through (ADR 0030)
    messages: anthropicMessages(base),
    messages_count_tokens: anthropicCountTokens(base),
  },
  mapError: (status, body) => toOpenAIErrorBody(status, body, "anthropic"),
});
