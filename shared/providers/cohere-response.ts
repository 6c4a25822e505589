import { ChatChunkWriter, chatCompletion, cohereFinish, nowSeconds, type OpenAIToolCall } from "./openai-chunks";
import { SseEventTranslator } from "./sse-event-translator";
import type { SseEvent } from "./sse-parser";
import type { StreamTranslator, Usage } from "./types";

type Json = Record<string, unknown>;

function num(v: unknown): number {
  return typeof v === "number" && !Number.isNaN(v) ? v : 0;
}

/** Cohere usage: billed units (what is charged) when present, else the raw token counts. */
export function cohereUsage(u: Json): Usage {
  const counts = (u.billed_units ?? u.tokens ?? {}) as Json;
  const prompt = num(counts.input_tokens);
  const completion = num(counts.output_tokens);
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  if (typeof u.cached_tokens === "number") usage.cached_tokens = u.cached_tokens;
  return usage;
}

/** Cohere v2 chat response -> OpenAI `chat.completion`. */
export function fromCohereResponse(response: Json, model: string) {
  const message = (response.message ?? {}) as Json;
  let text = "";
  for (const c of Array.isArray(message.content) ? (message.content as Json[]) : []) {
    if (c.type === "text" && typeof c.text === "string") text += c.text;
  }
  const toolCalls: OpenAIToolCall[] = (Array.isArray(message.tool_calls) ? (message.tool_calls as Json[]) : []).map(
    (c) => {
      const fn = (c.function ?? {}) as Json;
      return {
        id: String(c.id),
        type: "function",
        function: { name: String(fn.name), arguments: String(fn.arguments ?? "{}") },
      };
    },
  );
  if (!text && typeof message.tool_plan === "string") text = message.tool_plan;
  const usage = response.usage ? cohereUsage(response.usage as Json) : undefined;
  const body = chatCompletion({
    id: typeof response.id === "string" ? response.id : `cohere-${nowSeconds()}`,
    model,
    created: nowSeconds(),
    text: text || toolCalls.length === 0 ? text : null,
    toolCalls,
    finishReason: cohereFinish(response.finish_reason),
    usage,
  });
  return { body, usage };
}

/**
 * Cohere v2 chat SSE (`event: <type>` + `data: {"type":...}`) -> OpenAI chunks: message-start, content-start,
 * content-delta, content-end, tool-plan-delta (as content), tool-call-start/delta/end, citation-start/end
 * (ignored), message-end (finish reason, usage). Complete at message-end.
 */
export class CohereStreamTranslator extends SseEventTranslator implements StreamTranslator {
  usage: Usage | undefined;
  private readonly writer: ChatChunkWriter;
  private readonly toolIndex = new Map<number, number>();

  constructor(
    readonly model: string,
    includeUsage: boolean,
  ) {
    super();
    this.writer = new ChatChunkWriter(`cohere-${nowSeconds()}`, model, includeUsage);
  }

  protected onEvent(event: SseEvent): string {
    let data: Json;
    try {
      data = JSON.parse(event.data) as Json;
    } catch {
      return "";
    }
    const message = ((data.delta as Json | undefined)?.message ?? {}) as Json;
    switch (data.type ?? event.event) {
      case "message-start":
        if (typeof data.id === "string") this.writer.id = data.id;
        return this.writer.role();
      case "content-delta": {
        const text = (message.content as Json | undefined)?.text;
        return typeof text === "string" && text ? this.writer.content(text) : "";
      }
      case "tool-plan-delta":
        return typeof message.tool_plan === "string" && message.tool_plan ? this.writer.content(message.tool_plan) : "";
      case "tool-call-start": {
        const call = (message.tool_calls ?? {}) as Json;
        const fn = (call.function ?? {}) as Json;
        const index = this.toolIndex.size;
        this.toolIndex.set(Number(data.index), index);
        let out = this.writer.toolCallStart(index, String(call.id), String(fn.name));
        if (typeof fn.arguments === "string" && fn.arguments) out += this.writer.toolCallArguments(index, fn.arguments);
        return out;
      }
      case "tool-call-delta": {
        const args = (((message.tool_calls ?? {}) as Json).function as Json | undefined)?.arguments;
        const index = this.toolIndex.get(Number(data.index));
        return typeof args === "string" && args && index !== undefined
          ? this.writer.toolCallArguments(index, args)
          : "";
      }
      case "message-end":
        return this.onEnd((data.delta ?? {}) as Json);
      default:
        return ""; // content-start, content-end, tool-call-end, citation-start, citation-end
    }
  }

  private onEnd(delta: Json): string {
    this.finished = true;
    if (delta.usage) this.usage = cohereUsage(delta.usage as Json);
    if (delta.finish_reason === "ERROR" && typeof delta.error === "string") {
      this.error = { error: { message: delta.error, type: "api_error", param: null, code: null } };
      return this.writer.error(this.error);
    }
    const zero = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
    return (
      this.writer.finish(cohereFinish(delta.finish_reason)) + this.writer.usage(this.usage ?? zero) + this.writer.done()
    );
  }
}
