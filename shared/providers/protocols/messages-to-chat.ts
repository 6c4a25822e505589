import { BadRequestError } from "../../core/errors";

type Json = Record<string, unknown>;

/**
 * Anthropic Messages request -> OpenAI chat completion body, for providers that serve Messages through the chat
 * layer (ADR 0030). `system` becomes the first message; a user turn's `tool_result` blocks become `tool` messages
 * (images inside them a user message after them); an assistant turn's `tool_use` blocks become `tool_calls`;
 * thinking blocks sent back are left out (only Anthropic checks their signatures). `thinking` becomes
 * `reasoning_effort` (THINKING_EFFORT), structured outputs (`output_config.format`) a `json_schema` response format.
 * Pure: throws a `BadRequestError` naming the `param` for what it cannot carry.
 */
export function messagesToChat(body: Readonly<Json>): Json {
  if (typeof body.model !== "string" || body.model === "") throw invalid("model: Field required.", "model");
  const maxTokens = body.max_tokens;
  if (typeof maxTokens !== "number" || !Number.isInteger(maxTokens) || maxTokens < 1) {
    throw invalid("max_tokens: Field required (a positive integer).", "max_tokens");
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    throw invalid("messages: at least one message is required.", "messages");
  }
  const messages: Json[] = [];
  const system = systemText(body.system);
  if (system) messages.push({ role: "system", content: system });
  body.messages.forEach((m, i) => {
    messages.push(...turn(m, i));
  });
  const chat: Json = { model: body.model, messages, max_tokens: maxTokens };
  if (Array.isArray(body.stop_sequences) && body.stop_sequences.length) chat.stop = body.stop_sequences;
  if (typeof body.temperature === "number") chat.temperature = body.temperature;
  if (typeof body.top_p === "number") chat.top_p = body.top_p;
  const user = (body.metadata as Json | undefined)?.user_id;
  if (typeof user === "string") chat.user = user;
  if (Array.isArray(body.tools) && body.tools.length) chat.tools = body.tools.map(tool);
  Object.assign(chat, toolChoice(body.tool_choice));
  const effort = reasoningEffort(body.thinking);
  if (effort) chat.reasoning_effort = effort;
  const format = responseFormat(body.output_config);
  if (format) chat.response_format = format;
  if (body.stream === true) {
    chat.stream = true;
    // message_delta carries the usage: every provider is asked for it
    chat.stream_options = { include_usage: true };
  }
  return chat;
}

/**
 * Anthropic's thinking budget -> OpenAI's `reasoning_effort`: the effort whose Anthropic budget
 * (ANTHROPIC_THINKING_BUDGETS, shared/providers/anthropic-request.ts) is the largest not above the budget asked for.
 */
const THINKING_EFFORT: readonly (readonly [number, "low" | "medium" | "high"])[] = [
  [16384, "high"],
  [4096, "medium"],
  [0, "low"],
];

function reasoningEffort(thinking: unknown): string | undefined {
  if (!thinking || typeof thinking !== "object") return undefined;
  const t = thinking as Json;
  if (t.type === "disabled") return undefined;
  if (t.type !== "enabled" && t.type !== "adaptive")
    throw invalid("thinking.type must be enabled or disabled.", "thinking");
  const budget = typeof t.budget_tokens === "number" ? t.budget_tokens : 4096;
  return THINKING_EFFORT.find(([floor]) => budget >= floor)?.[1];
}

function invalid(message: string, param: string): BadRequestError {
  return new BadRequestError(message, { param, code: "invalid_value" });
}

function systemText(system: unknown): string {
  if (system === undefined || system === null) return "";
  if (typeof system === "string") return system;
  if (!Array.isArray(system)) throw invalid("system must be a string or text blocks.", "system");
  return system
    .map((b, i) => {
      const block = b as Json;
      if (block?.type !== "text" || typeof block.text !== "string") {
        throw invalid(`system.${i}: only text blocks are accepted.`, `system.${i}`);
      }
      return block.text;
    })
    .join("\n\n");
}

/** One Messages turn as chat messages (a user turn with tool results becomes several). */
function turn(raw: unknown, i: number): Json[] {
  const m = raw as Json;
  if (!m || (m.role !== "user" && m.role !== "assistant")) {
    throw invalid(`messages.${i}.role: Input should be 'user' or 'assistant'.`, `messages.${i}.role`);
  }
  if (typeof m.content === "string") return [{ role: m.role, content: m.content }];
  if (!Array.isArray(m.content)) throw invalid(`messages.${i}.content must be a string or blocks.`, `messages.${i}`);
  return m.role === "user" ? userTurn(m.content, i) : [assistantTurn(m.content, i)];
}

function userTurn(blocks: readonly unknown[], i: number): Json[] {
  const out: Json[] = [];
  const parts: Json[] = [];
  const resultImages: Json[] = [];
  blocks.forEach((raw, j) => {
    const b = raw as Json;
    const at = `messages.${i}.content.${j}`;
    if (b?.type === "tool_result") {
      const { text, images } = toolResult(b.content, at);
      out.push({ role: "tool", tool_call_id: String(b.tool_use_id), content: text });
      resultImages.push(...images);
    } else parts.push(contentPart(b, at));
  });
  // A turn's tool results answer the previous assistant turn: they come first, then what the user added
  if (resultImages.length) out.push({ role: "user", content: resultImages });
  if (parts.length) out.push({ role: "user", content: parts });
  return out;
}

function contentPart(b: Json, at: string): Json {
  if (b?.type === "text" && typeof b.text === "string") return { type: "text", text: b.text };
  if (b?.type === "image") return imagePart(b.source as Json | undefined, at);
  throw new BadRequestError(`${at}: content block type "${String(b?.type)}" cannot be sent to this provider.`, {
    param: at,
    code: "unsupported_content",
  });
}

function imagePart(source: Json | undefined, at: string): Json {
  if (source?.type === "base64" && typeof source.media_type === "string" && typeof source.data === "string") {
    return { type: "image_url", image_url: { url: `data:${source.media_type};base64,${source.data}` } };
  }
  if (source?.type === "url" && typeof source.url === "string")
    return { type: "image_url", image_url: { url: source.url } };
  throw invalid(`${at}.source: an image needs a base64 or url source.`, `${at}.source`);
}

/** A tool result's content: its text (joined), and its images for a user message after the tool messages. */
function toolResult(content: unknown, at: string): { text: string; images: Json[] } {
  if (content === undefined || typeof content === "string") return { text: content ?? "", images: [] };
  if (!Array.isArray(content)) throw invalid(`${at}.content must be a string or blocks.`, `${at}.content`);
  const texts: string[] = [];
  const images: Json[] = [];
  content.forEach((raw, k) => {
    const part = contentPart(raw as Json, `${at}.content.${k}`);
    if (part.type === "text") texts.push(part.text as string);
    else images.push(part);
  });
  return { text: texts.join("\n"), images };
}

function assistantTurn(blocks: readonly unknown[], i: number): Json {
  const texts: string[] = [];
  const toolCalls: Json[] = [];
  blocks.forEach((raw, j) => {
    const b = raw as Json;
    if (b?.type === "text" && typeof b.text === "string") texts.push(b.text);
    else if (b?.type === "tool_use") {
      toolCalls.push({
        id: String(b.id),
        type: "function",
        function: { name: String(b.name), arguments: JSON.stringify(b.input ?? {}) },
      });
    } else if (b?.type !== "thinking" && b?.type !== "redacted_thinking") {
      const at = `messages.${i}.content.${j}`;
      throw new BadRequestError(`${at}: content block type "${String(b?.type)}" cannot be sent to this provider.`, {
        param: at,
        code: "unsupported_content",
      });
    }
  });
  const message: Json = { role: "assistant", content: texts.length ? texts.join("") : null };
  if (toolCalls.length) message.tool_calls = toolCalls;
  return message;
}

function tool(raw: unknown, i: number): Json {
  const t = raw as Json;
  // Anthropic's server tools (web search, code execution, ...) have a versioned `type`; custom tools none or "custom"
  if (t?.type !== undefined && t.type !== "custom") {
    throw new BadRequestError(`tools.${i}: tool type "${String(t.type)}" runs only on Anthropic.`, {
      param: `tools.${i}.type`,
      code: "unsupported_parameter",
    });
  }
  if (typeof t?.name !== "string") throw invalid(`tools.${i}.name: Field required.`, `tools.${i}.name`);
  const fn: Json = { name: t.name, parameters: t.input_schema ?? { type: "object", properties: {} } };
  if (typeof t.description === "string") fn.description = t.description;
  return { type: "function", function: fn };
}

/** Structured outputs: `output_config.format` (a JSON schema the text follows) -> a strict `json_schema` format. */
function responseFormat(config: unknown): Json | undefined {
  const format = (config as Json | undefined)?.format as Json | undefined;
  if (format === undefined || format === null) return undefined;
  const schema = format.type === "json_schema" ? format.schema : undefined;
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
    throw invalid("output_config.format must be {type: json_schema, schema: {...}}.", "output_config.format");
  }
  return { type: "json_schema", json_schema: { name: "output", schema, strict: true } };
}

function toolChoice(raw: unknown): Json {
  if (raw === undefined || raw === null) return {};
  const c = raw as Json;
  const parallel = c.disable_parallel_tool_use === true ? { parallel_tool_calls: false } : {};
  if (c.type === "auto") return { tool_choice: "auto", ...parallel };
  if (c.type === "any") return { tool_choice: "required", ...parallel };
  if (c.type === "none") return { tool_choice: "none" };
  if (c.type === "tool" && typeof c.name === "string") {
    return { tool_choice: { type: "function", function: { name: c.name } }, ...parallel };
  }
  throw invalid("tool_choice.type must be auto, any, tool or none.", "tool_choice");
}
