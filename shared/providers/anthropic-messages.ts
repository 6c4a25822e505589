import type { ErrorBody } from "../core/errors";
import { parseUpstreamJson, requireKey } from "./adapter-kit";
import { anthropicUsage } from "./anthropic-response";
import type { EndpointTransforms } from "./define-provider";
import { SseEventTranslator } from "./sse-event-translator";
import type { SseEvent } from "./sse-parser";
import type { StreamTranslator, TransformContext, TranslatedResponse, UpstreamRequest, Usage } from "./types";

type Json = Record<string, unknown>;

/** The version sent when neither the client nor the target names one. */
export const ANTHROPIC_VERSION = "2023-06-01";

/** Anthropic's headers for a target: its key, `anthropic-version` and `anthropic-beta` (client's, else target's). */
export function anthropicHeaders(ctx: TransformContext): Record<string, string> {
  const options = ctx.target.options ?? {};
  const headers: Record<string, string> = {
    ...ctx.target.forwardHeaders,
    "content-type": "application/json",
    "x-api-key": requireKey(ctx, "anthropic"),
    "anthropic-version": options.anthropicVersion ?? ANTHROPIC_VERSION,
  };
  if (options.anthropicBeta) headers["anthropic-beta"] = options.anthropicBeta;
  return headers;
}

/** The client's Messages body as it came (re-serialised only when the gateway changed it). */
function passThrough(ctx: TransformContext, url: string): UpstreamRequest {
  return {
    url,
    method: "POST",
    headers: anthropicHeaders(ctx),
    body: ctx.bodyChanged ? JSON.stringify(ctx.body) : ctx.rawBody,
  };
}

/** A native Messages answer, passed as it came; its usage and model read for budgets and the log. */
export function nativeMessage(raw: Buffer, provider: string): TranslatedResponse {
  const message = parseUpstreamJson(raw, provider);
  const usage = message.usage && typeof message.usage === "object" ? anthropicUsage(message.usage as Json) : undefined;
  const model = typeof message.model === "string" ? message.model : undefined;
  return { body: raw, contentType: "application/json", usage, model };
}

/**
 * Anthropic's Messages events passed to the client as they came (each whole event re-written as `event:` and
 * `data:` lines), read on the way for the usage (`message_start`, then `message_delta`'s cumulative counts), the
 * model, the end (`message_stop`) and an `error` event. Also serves Claude on Bedrock, whose frames carry these
 * events.
 */
export class AnthropicEventPassThrough extends SseEventTranslator implements StreamTranslator {
  model: string | undefined;
  private usageFields: Json | undefined;

  get usage(): Usage | undefined {
    return this.usageFields ? anthropicUsage(this.usageFields) : undefined;
  }

  protected onEvent(event: SseEvent): string {
    this.read(event.data);
    return `event: ${event.event || "message"}\ndata: ${event.data}\n\n`;
  }

  /** Reads one event's JSON (`data`) for usage, model, end and error. */
  read(data: string): void {
    let json: Json;
    try {
      json = JSON.parse(data) as Json;
    } catch {
      return;
    }
    if (json.type === "message_start") {
      const message = (json.message ?? {}) as Json;
      if (typeof message.model === "string") this.model = message.model;
      if (message.usage && typeof message.usage === "object") this.usageFields = { ...(message.usage as Json) };
    } else if (json.type === "message_delta" && json.usage && typeof json.usage === "object") {
      const counts = Object.entries(json.usage as Json).filter(([, v]) => typeof v === "number");
      this.usageFields = { ...this.usageFields, ...Object.fromEntries(counts) };
    } else if (json.type === "message_stop") {
      this.finished = true;
    } else if (json.type === "error") {
      const error = (json.error ?? {}) as Json;
      this.error = errorBody(error);
      this.finished = true;
    }
  }
}

function errorBody(error: Json): ErrorBody {
  const message = typeof error.message === "string" ? error.message : "anthropic reported an error mid-stream";
  return {
    error: { message, type: typeof error.type === "string" ? error.type : "api_error", param: null, code: null },
  };
}

/** `POST /v1/messages` on Anthropic itself: body, events, errors and its version headers pass through. */
export function anthropicMessages(baseUrl: (ctx: TransformContext) => string): EndpointTransforms {
  return {
    toRequest: (ctx) => passThrough(ctx, `${baseUrl(ctx)}/messages`),
    fromResponse: (_status, raw) => nativeMessage(raw, "anthropic"),
    stream: () => new AnthropicEventPassThrough(),
  };
}

const NOT_BILLED: Usage = Object.freeze({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });

/** `POST /v1/messages/count_tokens` on Anthropic: forwarded, answered as it came, not billed (Anthropic's is free). */
export function anthropicCountTokens(baseUrl: (ctx: TransformContext) => string): EndpointTransforms {
  return {
    toRequest: (ctx) => passThrough(ctx, `${baseUrl(ctx)}/messages/count_tokens`),
    fromResponse: (_status, raw) => {
      parseUpstreamJson(raw, "anthropic");
      return { body: raw, contentType: "application/json", usage: { ...NOT_BILLED } };
    },
  };
}
