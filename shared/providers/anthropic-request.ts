import { BadRequestError } from "../core/errors";
import {
  type ChatMessage,
  type ChatRequest,
  type ContentPart,
  parseArguments,
  type ReasoningEffort,
} from "./chat-request";
import { withJsonTool } from "./json-tool";
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
  reasoning_effort: "map",
  thinking: "map",
  seed: "drop",
  presence_penalty: "drop",
  frequency_penalty: "drop",
};

type Block = Record<string, unknown>;
interface AnthropicMessage {
  role: "user" | "assistant";
  content: Block[];
}

/**
 * `reasoning_effort` -> Anthropic's thinking budget in tokens (documented in docs/providers.md). 1024 is the
 * smallest budget Anthropic accepts; `none` turns thinking off.
 */
export const ANTHROPIC_THINKING_BUDGETS: Readonly<Record<Exclude<ReasoningEffort, "none">, number>> = {
  minimal: 1024,
  low: 1024,
  medium: 4096,
  high: 16384,
  xhigh: 32768,
};
const MIN_THINKING_BUDGET = 1024;

function partBlock(part: ContentPart): Block {
  if (part.type === "text") {
    return part.cacheControl
      ? { type: "text", text: part.text, cache_control: part.cacheControl }
      : { type: "text", text: part.text };
  }
  if (part.data)
    return { type: "image", source: { type: "base64", media_type: part.data.mediaType, data: part.data.base64 } };
  return { type: "image", source: { type: "url", url: part.url } };
}

function blocksOf(m: Exclude<ChatMessage, { role: "system" }>, index: number): Block[] {
  if (m.role === "user") return m.parts.filter((p) => p.type !== "text" || p.text !== "").map(partBlock);
  if (m.role === "tool") return [{ type: "tool_result", tool_use_id: m.toolCallId, content: m.text }];
  // Thinking blocks come first, as Anthropic returned them: it checks them when a tool-use turn continues.
  const blocks: Block[] = m.thinking ? m.thinking.map((t) => ({ ...t })) : [];
  if (m.text) blocks.push({ type: "text", text: m.text });
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
function convertMessages(messages: readonly ChatMessage[]): { system: Block[]; turns: AnthropicMessage[] } {
  const system: Block[] = [];
  const turns: AnthropicMessage[] = [];
  messages.forEach((m, i) => {
    if (m.role === "system") {
      if (m.parts) {
        for (const p of m.parts) {
          if (p.text)
            system.push(
              p.cacheControl
                ? { type: "text", text: p.text, cache_control: p.cacheControl }
                : { type: "text", text: p.text },
            );
        }
      } else if (m.text) system.push({ type: "text", text: m.text });
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

/**
 * The `thinking` field and `max_tokens` for a request: Portkey's `thinking` as sent, else `reasoning_effort` mapped
 * to a budget. Anthropic counts thinking in `max_tokens` and wants `budget_tokens < max_tokens`: without a client
 * `max_tokens` we send budget + the default; with one, the budget is capped below it. Also used for Claude on
 * Bedrock Converse (same rules).
 */
export function thinkingAndMaxTokens(
  chat: ChatRequest,
  provider = "anthropic",
): { thinking?: Block; maxTokens: number } {
  const effort = chat.reasoningEffort;
  if (chat.thinking) {
    const budget = chat.thinking.budget_tokens;
    const needed = typeof budget === "number" ? budget + ANTHROPIC_DEFAULT_MAX_TOKENS : ANTHROPIC_DEFAULT_MAX_TOKENS;
    return { thinking: chat.thinking, maxTokens: chat.maxTokens ?? needed };
  }
  if (effort === undefined || effort === "none") return { maxTokens: chat.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS };
  const budget = ANTHROPIC_THINKING_BUDGETS[effort];
  if (chat.maxTokens === undefined) {
    return { thinking: { type: "enabled", budget_tokens: budget }, maxTokens: budget + ANTHROPIC_DEFAULT_MAX_TOKENS };
  }
  if (chat.maxTokens <= MIN_THINKING_BUDGET) {
    throw new BadRequestError(
      `Provider ${provider} needs max_tokens above ${MIN_THINKING_BUDGET} to think (reasoning_effort "${effort}").`,
      { param: "max_tokens", code: "invalid_value" },
    );
  }
  return {
    thinking: { type: "enabled", budget_tokens: Math.min(budget, chat.maxTokens - 1) },
    maxTokens: chat.maxTokens,
  };
}

/** OpenAI chat request -> Anthropic Messages API body. */
export function toAnthropicBody(request: ChatRequest): Record<string, unknown> {
  const { thinking, maxTokens } = thinkingAndMaxTokens(request);
  // JSON answers (`response_format`) through a forced tool (json-tool.ts)
  const chat = withJsonTool(request, "anthropic", thinking !== undefined && thinking.type !== "disabled");
  const { system, turns } = convertMessages(chat.messages);
  if (turns.length === 0) {
    throw new BadRequestError("Provider anthropic needs at least one user or assistant message.", {
      param: "messages",
      code: "invalid_value",
    });
  }
  const body: Record<string, unknown> = { model: chat.model, max_tokens: maxTokens, messages: turns };
  if (thinking) body.thinking = thinking;
  // A plain string unless a part asks for caching (then the text blocks, each with its `cache_control`).
  if (system.length) {
    body.system = system.some((b) => b.cache_control) ? system : system.map((b) => b.text).join("\n\n");
  }
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
      ...(t.cacheControl ? { cache_control: t.cacheControl } : {}),
    }));
  }
  const choice = toolChoice(chat);
  if (choice) body.tool_choice = choice;
  if (chat.stream) body.stream = true;
  return body;
}
