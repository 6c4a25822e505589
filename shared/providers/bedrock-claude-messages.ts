import type { ErrorBody } from "../core/errors";
import { parseUpstreamJson, requestedModel } from "./adapter-kit";
import { AnthropicEventPassThrough, nativeMessage } from "./anthropic-messages";
import { anthropicUsage } from "./anthropic-response";
import { isBedrockClaude } from "./bedrock-request";
import { bedrockErrorBody } from "./bedrock-response";
import { type BedrockFrame, EventStreamFramer } from "./bedrock-stream";
import type { EndpointTransforms } from "./define-provider";
import type { StreamTranslator, TransformContext, UpstreamRequest, Usage } from "./types";

type Json = Record<string, unknown>;

/** The Messages API version Bedrock takes in the body (AWS, "Anthropic Claude Messages API"). */
export const BEDROCK_ANTHROPIC_VERSION = "bedrock-2023-05-31";

/** Bedrock's error and exception types -> Anthropic's, so the Anthropic SDKs raise their typed errors. */
const ANTHROPIC_TYPES: Readonly<Record<string, string>> = {
  ValidationException: "invalid_request_error",
  AccessDeniedException: "permission_error",
  ResourceNotFoundException: "not_found_error",
  ModelTimeoutException: "timeout_error",
  ThrottlingException: "rate_limit_error",
  ServiceQuotaExceededException: "rate_limit_error",
  ServiceUnavailableException: "overloaded_error",
  ModelNotReadyException: "overloaded_error",
};

function anthropicType(bedrockType: string): string {
  return ANTHROPIC_TYPES[bedrockType] ?? "api_error";
}

/** A request for Claude (any id, inference profile or ARN naming an `anthropic.claude` model) goes native. */
export function servesClaude(ctx: TransformContext): boolean {
  return isBedrockClaude(requestedModel(ctx.body));
}

/**
 * InvokeModel's body: the client's Messages body without `model` (in the URL) and `stream` (the action), with
 * `anthropic_version` and the client's `anthropic-beta` header as the `anthropic_beta` list, as AWS documents.
 */
export function invokeModelBody(ctx: TransformContext): Json {
  const { model: _model, stream: _stream, ...rest } = ctx.body;
  const body: Json = { anthropic_version: BEDROCK_ANTHROPIC_VERSION, ...rest };
  const beta = ctx.target.options?.anthropicBeta;
  if (beta && body.anthropic_beta === undefined) {
    body.anthropic_beta = beta
      .split(",")
      .map((b) => b.trim())
      .filter(Boolean);
  }
  return body;
}

/**
 * CountTokens takes a foundation model id: an inference profile (`us.anthropic...`) or an ARN names its model
 * after its last `/` and any geography prefix (as Portkey's gateway does).
 */
export function countTokensModel(model: string): string {
  const id = model.slice(model.lastIndexOf("/") + 1);
  const at = id.indexOf("anthropic.");
  return at > 0 ? id.slice(at) : id;
}

/** The Bedrock error body with Anthropic's type (the Bedrock type kept as `code`, for the log). */
function claudeErrorBody(status: number, raw: Buffer): ErrorBody {
  const body = bedrockErrorBody(status, raw);
  return { error: { ...body.error, type: anthropicType(body.error.type) } };
}

type UrlFor = (ctx: TransformContext, model: string, action: string) => string;

/**
 * `POST /v1/messages` on Bedrock for Claude: InvokeModel / InvokeModelWithResponseStream with the client's body
 * (ADR 0030); the answer is Anthropic's message, the stream Anthropic's events inside event-stream frames.
 */
export function bedrockClaudeMessages(urlFor: UrlFor): EndpointTransforms {
  return {
    serves: servesClaude,
    toRequest(ctx): UpstreamRequest {
      const stream = ctx.body.stream === true;
      return {
        url: urlFor(ctx, requestedModel(ctx.body), stream ? "invoke-with-response-stream" : "invoke"),
        method: "POST",
        headers: {
          ...ctx.target.forwardHeaders,
          "content-type": "application/json",
          accept: stream ? "application/vnd.amazon.eventstream" : "application/json",
        },
        body: JSON.stringify(invokeModelBody(ctx)),
      };
    },
    // billed at the model asked for (the Bedrock id the price table knows), not the Anthropic name in the answer
    fromResponse: (_status, raw, ctx) => ({ ...nativeMessage(raw, "bedrock"), model: requestedModel(ctx.body) }),
    stream: (ctx) => new BedrockClaudeStream(requestedModel(ctx.body)),
    mapError: claudeErrorBody,
  };
}

const NOT_BILLED: Usage = Object.freeze({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });

/** `POST /v1/messages/count_tokens` on Bedrock for Claude: its CountTokens action, free (not billed). */
export function bedrockClaudeCountTokens(urlFor: UrlFor): EndpointTransforms {
  return {
    serves: servesClaude,
    toRequest(ctx): UpstreamRequest {
      const invoke = invokeModelBody(ctx);
      // count_tokens has no max_tokens; InvokeModel requires one above a thinking budget
      const budget = (invoke.thinking as Json | undefined)?.budget_tokens;
      if (invoke.max_tokens === undefined) invoke.max_tokens = typeof budget === "number" ? budget + 1 : 1;
      const body = Buffer.from(JSON.stringify(invoke)).toString("base64");
      return {
        url: urlFor(ctx, countTokensModel(requestedModel(ctx.body)), "count-tokens"),
        method: "POST",
        headers: { ...ctx.target.forwardHeaders, "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ input: { invokeModel: { body } } }),
      };
    },
    fromResponse(_status, raw) {
      const counted = parseUpstreamJson(raw, "bedrock").inputTokens;
      const tokens = typeof counted === "number" ? counted : 0;
      return { body: JSON.stringify({ input_tokens: tokens }), contentType: "application/json", usage: NOT_BILLED };
    },
    mapError: claudeErrorBody,
  };
}

/** Bedrock's totals on the last chunk (`amazon-bedrock-invocationMetrics`) in Anthropic's usage terms. */
function metricsUsage(m: Json): Json {
  const usage: Json = { input_tokens: m.inputTokenCount, output_tokens: m.outputTokenCount };
  if (typeof m.cacheReadInputTokenCount === "number") usage.cache_read_input_tokens = m.cacheReadInputTokenCount;
  if (typeof m.cacheWriteInputTokenCount === "number") usage.cache_creation_input_tokens = m.cacheWriteInputTokenCount;
  return usage;
}

/**
 * InvokeModelWithResponseStream -> Anthropic SSE: each `chunk` frame's `bytes` (base64 JSON of one Anthropic
 * event) becomes `event: <type>\ndata: <json>\n\n`, without Bedrock's `amazon-bedrock-invocationMetrics` (read for
 * usage when the events carry none); an exception frame (`throttlingException` ...) becomes Anthropic's
 * `event: error` and ends the stream. Usage, end and errors are read as on Anthropic (`AnthropicEventPassThrough`).
 */
export class BedrockClaudeStream implements StreamTranslator {
  private readonly framer = new EventStreamFramer();
  private readonly events = new AnthropicEventPassThrough();
  private metrics: Json | undefined;
  private failure: ErrorBody | undefined;

  constructor(readonly model: string) {}

  get usage(): Usage | undefined {
    if (this.events.usage) return this.events.usage;
    return this.metrics ? anthropicUsage(metricsUsage(this.metrics)) : undefined;
  }

  get finished(): boolean {
    return this.events.finished || this.failure !== undefined;
  }

  get error(): ErrorBody | undefined {
    return this.failure ?? this.events.error;
  }

  push(chunk: Buffer): string {
    if (this.finished) return "";
    let frames: BedrockFrame[];
    try {
      frames = this.framer.push(chunk);
    } catch (err) {
      return this.fail(
        "api_error",
        "stream_corrupt",
        `The bedrock event stream could not be decoded: ${(err as Error).message}`,
      );
    }
    let out = "";
    for (const frame of frames) {
      if (this.finished) break;
      out += this.onFrame(frame);
    }
    return out;
  }

  end(): string {
    return "";
  }

  private onFrame(frame: BedrockFrame): string {
    const p = frame.payload;
    if (frame.messageType !== "event") {
      const name = frame.type || "internalServerException";
      const type = `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
      const message = typeof p.message === "string" ? p.message : `bedrock stream ${name}`;
      return this.fail(anthropicType(type), type, message);
    }
    if (frame.type !== "chunk" || typeof p.bytes !== "string") return "";
    let event: Json;
    try {
      event = JSON.parse(Buffer.from(p.bytes, "base64").toString("utf8")) as Json;
    } catch {
      return this.fail("api_error", "stream_corrupt", "A bedrock stream chunk is not JSON.");
    }
    if (typeof event.type !== "string") return "";
    const metrics = event["amazon-bedrock-invocationMetrics"];
    if (metrics !== undefined) {
      if (metrics && typeof metrics === "object") this.metrics = metrics as Json;
      delete event["amazon-bedrock-invocationMetrics"];
    }
    const data = JSON.stringify(event);
    this.events.read(data);
    return `event: ${event.type}\ndata: ${data}\n\n`;
  }

  private fail(type: string, code: string, message: string): string {
    this.failure = { error: { message, type, param: null, code } };
    return `event: error\ndata: ${JSON.stringify({ type: "error", error: { type, message } })}\n\n`;
  }
}
