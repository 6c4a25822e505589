import { baseUrl, parseUpstreamJson, requestedModel, requireKey, wantsUsage } from "./adapter-kit";
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
const ANTHROPIC_VERSION = "2023-06-01";

function toRequest(ctx: TransformContext): UpstreamRequest {
  const dropped = [...applyParamPolicy(ctx.body, ANTHROPIC_PARAMS, "anthropic"), ...jsonToolDropped(ctx.body)];
  const body = toAnthropicBody(readChatRequest(ctx.body));
  const options = ctx.target.options ?? {};
  const headers: Record<string, string> = {
    ...ctx.target.forwardHeaders,
    "content-type": "application/json",
    "x-api-key": requireKey(ctx, "anthropic"),
    "anthropic-version": options.anthropicVersion ?? ANTHROPIC_VERSION,
  };
  if (options.anthropicBeta) headers["anthropic-beta"] = options.anthropicBeta;
  return {
    url: `${baseUrl(ctx, BASE_URL)}/messages`,
    method: "POST",
    headers,
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
  },
  mapError: (status, body) => toOpenAIErrorBody(status, body, "anthropic"),
});
