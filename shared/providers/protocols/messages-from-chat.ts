import { parseUpstreamJson } from "../adapter-kit";
import type { TransformContext, TranslatedResponse, Usage } from "../types";

type Json = Record<string, unknown>;

/** OpenAI `finish_reason` -> Anthropic `stop_reason`. */
export function stopReason(finish: unknown): string | null {
  switch (finish) {
    case "stop":
      return "end_turn";
    case "length":
      return "max_tokens";
    case "tool_calls":
    case "function_call":
      return "tool_use";
    case "content_filter":
      return "refusal";
    case null:
    case undefined:
      return null;
    default:
      return "end_turn";
  }
}

/**
 * The gateway's usage (OpenAI's terms: prompt tokens include cached ones) in Anthropic's terms, where
 * `input_tokens` excludes cache reads and writes.
 */
export function anthropicUsageOf(usage: Usage | undefined): Json {
  if (!usage) return { input_tokens: 0, output_tokens: 0 };
  const read = usage.cached_tokens ?? 0;
  const created = usage.cache_creation_tokens ?? 0;
  const out: Json = {
    input_tokens: Math.max(0, usage.prompt_tokens - read - created),
    output_tokens: usage.completion_tokens,
  };
  if (usage.cached_tokens !== undefined) out.cache_read_input_tokens = read;
  if (usage.cache_creation_tokens !== undefined) out.cache_creation_input_tokens = created;
  return out;
}

/** A tool call's `arguments` as the `input` object Anthropic's clients expect (`{}` when not a JSON object). */
export function toolInput(args: unknown): Json {
  if (typeof args !== "string" || args === "") return {};
  try {
    const parsed: unknown = JSON.parse(args);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Json) : {};
  } catch {
    return {};
  }
}

/**
 * A provider's chat completion (already OpenAI JSON) -> an Anthropic `message`: reasoning as a `thinking` block
 * (unsigned: it can only be sent back to this layer), the text, then one `tool_use` block per tool call.
 */
export function messageFromChat(chat: TranslatedResponse, ctx: TransformContext): TranslatedResponse {
  const completion = parseUpstreamJson(Buffer.from(chat.body), "chat");
  const choice = ((Array.isArray(completion.choices) ? completion.choices[0] : undefined) ?? {}) as Json;
  const message = (choice.message ?? {}) as Json;
  const content: Json[] = [];
  const reasoning = message.reasoning_content ?? message.reasoning;
  if (typeof reasoning === "string" && reasoning)
    content.push({ type: "thinking", thinking: reasoning, signature: "" });
  if (typeof message.content === "string" && message.content) content.push({ type: "text", text: message.content });
  for (const call of Array.isArray(message.tool_calls) ? (message.tool_calls as Json[]) : []) {
    const fn = (call.function ?? {}) as Json;
    content.push({ type: "tool_use", id: String(call.id), name: String(fn.name), input: toolInput(fn.arguments) });
  }
  const model = chat.model ?? (typeof completion.model === "string" ? completion.model : String(ctx.body.model));
  const body = {
    id: typeof completion.id === "string" ? completion.id : "msg_unknown",
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: stopReason(choice.finish_reason),
    stop_sequence: null,
    usage: anthropicUsageOf(chat.usage),
  };
  return { body: JSON.stringify(body), contentType: "application/json", usage: chat.usage, model };
}
