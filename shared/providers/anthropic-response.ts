import { anthropicFinish, chatCompletion, nowSeconds, type OpenAIToolCall } from "./openai-chunks";
import type { Usage } from "./types";

function num(v: unknown): number {
  return typeof v === "number" && !Number.isNaN(v) ? v : 0;
}

/**
 * Anthropic usage -> ours. Anthropic's `input_tokens` excludes cached input, OpenAI's `prompt_tokens` includes
 * it, so prompt = input + cache read + cache creation; `cached_tokens` = cache reads.
 */
export function anthropicUsage(u: Record<string, unknown>): Usage {
  const cacheRead = num(u.cache_read_input_tokens);
  const cacheCreation = num(u.cache_creation_input_tokens);
  const prompt = num(u.input_tokens) + cacheRead + cacheCreation;
  const completion = num(u.output_tokens);
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  if (typeof u.cache_read_input_tokens === "number") usage.cached_tokens = cacheRead;
  if (typeof u.cache_creation_input_tokens === "number") usage.cache_creation_tokens = cacheCreation;
  // the split by cache lifetime (`cache_control.ttl`): 1-hour writes cost more than 5-minute ones
  const byTtl = u.cache_creation as Record<string, unknown> | undefined;
  const oneHour = num(byTtl?.ephemeral_1h_input_tokens);
  if (oneHour > 0) usage.cache_creation_1h_tokens = Math.min(oneHour, cacheCreation);
  return usage;
}

/**
 * Anthropic Messages response -> OpenAI `chat.completion`. Thinking becomes `reasoning_content`; with `strict`
 * off, the thinking and text blocks are also returned as Portkey's `content_blocks` (signatures kept, so a
 * client can send them back on the next turn).
 */
export function fromAnthropicMessage(message: Record<string, unknown>, requestedModel: string, strict = true) {
  let text = "";
  let hasText = false;
  let reasoning = "";
  const toolCalls: OpenAIToolCall[] = [];
  const contentBlocks: Record<string, unknown>[] = [];
  for (const block of Array.isArray(message.content) ? message.content : []) {
    const b = block as Record<string, unknown>;
    if (b.type === "thinking" || b.type === "redacted_thinking" || b.type === "text") contentBlocks.push(b);
    if (b.type === "thinking" && typeof b.thinking === "string") reasoning += b.thinking;
    else if (b.type === "text" && typeof b.text === "string") {
      text += b.text;
      hasText = true;
    } else if (b.type === "tool_use") {
      toolCalls.push({
        id: String(b.id),
        type: "function",
        function: { name: String(b.name), arguments: JSON.stringify(b.input ?? {}) },
      });
    }
  }
  const usage =
    message.usage && typeof message.usage === "object"
      ? anthropicUsage(message.usage as Record<string, unknown>)
      : undefined;
  const model = typeof message.model === "string" ? message.model : requestedModel;
  const body = chatCompletion({
    id: typeof message.id === "string" ? message.id : "msg_unknown",
    model,
    created: nowSeconds(),
    text: hasText || toolCalls.length === 0 ? text : null,
    toolCalls,
    finishReason: anthropicFinish(message.stop_reason),
    usage,
    reasoning,
    contentBlocks: strict || contentBlocks.length === 0 ? undefined : contentBlocks,
  });
  return { body, usage, model };
}
