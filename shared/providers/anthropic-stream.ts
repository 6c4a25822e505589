import type { ErrorBody } from "../core/errors";
import { anthropicUsage } from "./anthropic-response";
import { anthropicFinish, ChatChunkWriter } from "./openai-chunks";
import { SseEventTranslator } from "./sse-event-translator";
import type { SseEvent } from "./sse-parser";
import type { StreamTranslator, Usage } from "./types";

type Json = Record<string, unknown>;

/**
 * Anthropic Messages SSE -> OpenAI `chat.completion.chunk` SSE. Handles every documented event: `message_start`,
 * `content_block_start/delta/stop` (text, `tool_use` with `input_json_delta`), `message_delta`, `message_stop`,
 * `ping`, `error`; unknown events (and citation deltas) are ignored, as Anthropic asks clients to do.
 * Tool-call indexes count tool_use blocks only (content block 0 may be text). `thinking_delta` becomes a
 * `reasoning_content` delta; with `strict` off, thinking, `signature_delta` and `redacted_thinking` are also
 * written as Portkey's `content_blocks` deltas (index = Anthropic's block index), so the client can send the
 * signed blocks back.
 */
export class AnthropicStreamTranslator extends SseEventTranslator implements StreamTranslator {
  model: string | undefined;
  private readonly writer: ChatChunkWriter;
  private readonly toolIndex = new Map<number, number>();
  private usageFields: Json | undefined;

  constructor(
    requestedModel: string,
    includeUsage: boolean,
    private readonly strict = true,
  ) {
    super();
    this.writer = new ChatChunkWriter("msg_unknown", requestedModel, includeUsage);
  }

  get usage(): Usage | undefined {
    return this.usageFields ? anthropicUsage(this.usageFields) : undefined;
  }

  protected onEvent(event: SseEvent): string {
    let data: Json;
    try {
      data = JSON.parse(event.data) as Json;
    } catch {
      return "";
    }
    const type = typeof data.type === "string" ? data.type : event.event;
    switch (type) {
      case "message_start":
        return this.onMessageStart((data.message ?? {}) as Json);
      case "content_block_start":
        return this.onBlockStart(Number(data.index), (data.content_block ?? {}) as Json);
      case "content_block_delta":
        return this.onBlockDelta(Number(data.index), (data.delta ?? {}) as Json);
      case "message_delta":
        return this.onMessageDelta(data);
      case "message_stop":
        this.finished = true;
        return this.writer.usage(this.usage ?? zeroUsage()) + this.writer.done();
      case "error":
        return this.onError((data.error ?? {}) as Json);
      default:
        return ""; // ping, content_block_stop, and event types added later
    }
  }

  private onMessageStart(message: Json): string {
    if (typeof message.id === "string") this.writer.id = message.id;
    if (typeof message.model === "string") {
      this.writer.model = message.model;
      this.model = message.model;
    }
    if (message.usage && typeof message.usage === "object") this.usageFields = { ...(message.usage as Json) };
    return this.writer.role();
  }

  private onBlockStart(index: number, block: Json): string {
    if (block.type === "tool_use") {
      const toolIndex = this.toolIndex.size;
      this.toolIndex.set(index, toolIndex);
      return this.writer.toolCallStart(toolIndex, String(block.id), String(block.name));
    }
    if (block.type === "text" && typeof block.text === "string" && block.text) return this.writer.content(block.text);
    if (block.type === "redacted_thinking" && !this.strict && typeof block.data === "string") {
      return this.writer.contentBlock(index, { data: block.data });
    }
    return "";
  }

  private onBlockDelta(index: number, delta: Json): string {
    if (delta.type === "text_delta" && typeof delta.text === "string") return this.writer.content(delta.text);
    if (delta.type === "thinking_delta" && typeof delta.thinking === "string") {
      return this.strict
        ? this.writer.reasoning(delta.thinking)
        : this.writer.contentBlock(index, { thinking: delta.thinking }, delta.thinking);
    }
    if (delta.type === "signature_delta" && !this.strict && typeof delta.signature === "string") {
      return this.writer.contentBlock(index, { signature: delta.signature });
    }
    if (delta.type === "input_json_delta" && typeof delta.partial_json === "string" && delta.partial_json) {
      const toolIndex = this.toolIndex.get(index);
      return toolIndex === undefined ? "" : this.writer.toolCallArguments(toolIndex, delta.partial_json);
    }
    return "";
  }

  private onMessageDelta(data: Json): string {
    const usage = data.usage as Json | undefined;
    if (usage && typeof usage === "object") {
      // message_delta usage is cumulative: its fields replace those from message_start
      this.usageFields = { ...this.usageFields, ...stripNulls(usage) };
    }
    const delta = (data.delta ?? {}) as Json;
    return delta.stop_reason ? this.writer.finish(anthropicFinish(delta.stop_reason)) : "";
  }

  private onError(error: Json): string {
    const body: ErrorBody = {
      error: {
        message: typeof error.message === "string" ? error.message : "anthropic reported an error mid-stream",
        type: typeof error.type === "string" ? error.type : "api_error",
        param: null,
        code: null,
      },
    };
    this.error = body;
    this.finished = true;
    return this.writer.error(body);
  }
}

function stripNulls(obj: Json): Json {
  const out: Json = {};
  for (const k in obj) if (obj[k] !== null && obj[k] !== undefined) out[k] = obj[k];
  return out;
}

function zeroUsage(): Usage {
  return { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
}
