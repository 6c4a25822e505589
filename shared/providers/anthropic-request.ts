import { BadRequestError } from "../core/errors";
import { type ChatMessage, type ChatRequest, type ContentPart, parseArguments } from "./chat-request";
import { COMMON_CHAT_MAPPED, type ParamPolicy } from "./param-policy";

/**
 * Anthropic requires `max_tokens`. When the client sends none we use 4096: the smallest output limit of any
 * current Claude model (Claude 3 Haiku), so it is valid for every model and never silently truncates below what
 * the model could do by default elsewhere. Documented in docs/providers.md (ADR 0009).
 */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

export const ANTHROPIC_PARAMS: ParamPolicy = {
  ...COMMON_CHAT_MAPPED,
  top_k: "map",
  user: "map",
  parallel_tool_calls: "map",
  response_format: "map",
  seed: "drop",
  presence_penalty: "drop",
  frequency_penalty: "drop",
};

type Block = Record<string, unknown>;
interface AnthropicMessage {
  role: "user" | "assistant";
  content: Block[];
}

function partBlock(part: ContentPart): Block {
  if (part.type === "text") return { type: "text", text: part.text };
  if (part.data)
    return { type: "image", source: { type: "base64", media_type: part.data.mediaType, data: part.data.base64 } };
  return { type: "image", source: { type: "url", url: part.url } };
}

function blocksOf(m: Exclude<ChatMessage, { role: "system" }>, index: number): Block[] {
  if (m.role === "user") return m.parts.filter((p) => p.type !== "text" || p.text !== "").map(partBlock);
  if (m.role === "tool") return [{ type: "tool_result", tool_use_id: m.toolCallId, content: m.text }];
  const blocks: Block[] = m.text ? [{ type: "text", text: m.text }] : [];
  m.toolCalls.forEach((call, i) => {
    blocks.push({
      type: "tool_use",
      id: call.id,
      name: call.function.name,
      input: parseArguments(call.function.arguments, `messages[${index}].tool_calls[${i}].function.arguments`),
    });
  });
  return blocks;
}

/**
 * System messages (anywhere) become the top-level `system`; tool results become `tool_result` blocks in a user
 * turn; consecutive turns of one role are merged (Anthropic alternates user/assistant); empty turns are left out.
 */
function convertMessages(messages: readonly ChatMessage[]): { system: string[]; turns: AnthropicMessage[] } {
  const system: string[] = [];
  const turns: AnthropicMessage[] = [];
  messages.forEach((m, i) => {
    if (m.role === "system") {
      if (m.text) system.push(m.text);
      return;
    }
    const blocks = blocksOf(m, i);
    if (blocks.length === 0) return;
    const role = m.role === "assistant" ? "assistant" : "user";
    const last = turns[turns.length - 1];
    if (last && last.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  });
  return { system, turns };
}

function toolChoice(chat: ChatRequest): Record<string, unknown> | undefined {
  const choice = chat.toolChoice;
  const noParallel = chat.parallelToolCalls === false ? { disable_parallel_tool_use: true } : {};
  if (!choice)
    return chat.parallelToolCalls === false && chat.tools.length ? { type: "auto", ...noParallel } : undefined;
  if (choice.type === "none") return { type: "none" };
  if (choice.type === "auto") return { type: "auto", ...noParallel };
  if (choice.type === "required") return { type: "any", ...noParallel };
  return { type: "tool", name: choice.name, ...noParallel };
}

/** OpenAI chat request -> Anthropic Messages API body. */
export function toAnthropicBody(chat: ChatRequest): Record<string, unknown> {
  if (chat.responseFormat && chat.responseFormat.type !== "text") {
    throw new BadRequestError("Provider anthropic has no JSON mode: response_format must be text.", {
      param: "response_format",
      code: "unsupported_parameter",
    });
  }
  const { system, turns } = convertMessages(chat.messages);
  if (turns.length === 0) {
    throw new BadRequestError("Provider anthropic needs at least one user or assistant message.", {
      param: "messages",
      code: "invalid_value",
    });
  }
  const body: Record<string, unknown> = {
    model: chat.model,
    max_tokens: chat.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
    messages: turns,
  };
  if (system.length) body.system = system.join("\n\n");
  if (chat.stop.length) body.stop_sequences = chat.stop;
  if (chat.temperature !== undefined) body.temperature = chat.temperature;
  if (chat.topP !== undefined) body.top_p = chat.topP;
  if (chat.topK !== undefined) body.top_k = chat.topK;
  if (chat.user !== undefined) body.metadata = { user_id: chat.user };
  if (chat.tools.length) {
    body.tools = chat.tools.map((t) => ({
      name: t.name,
      ...(t.description === undefined ? {} : { description: t.description }),
      input_schema: t.parameters,
    }));
  }
  const choice = toolChoice(chat);
  if (choice) body.tool_choice = choice;
  if (chat.stream) body.stream = true;
  return body;
}
