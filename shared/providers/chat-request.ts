import { BadRequestError } from "../core/errors";
import type { OpenAIToolCall } from "./openai-chunks";

type Json = Record<string, unknown>;

/**
 * The OpenAI chat request read once into a small normalised model that every translating adapter maps from.
 * Invalid shapes are a 400 naming the parameter, never a crash deep inside an adapter.
 */
export type ContentPart =
  | { readonly type: "text"; readonly text: string; readonly cacheControl?: Json }
  | { readonly type: "image"; readonly url: string; readonly data?: InlineData };

export interface InlineData {
  readonly mediaType: string;
  readonly base64: string;
}

/** A system prompt's text parts, kept only when one carries `cache_control` (providers with prompt caching). */
export interface SystemPart {
  readonly text: string;
  readonly cacheControl?: Json;
}

/**
 * A reasoning block the assistant produced earlier, sent back as a content part (Anthropic's `thinking` with its
 * `signature`, or `redacted_thinking` with its `data`): providers that verify them need them to continue a turn.
 */
export type ThinkingPart =
  | { readonly type: "thinking"; readonly thinking: string; readonly signature: string }
  | { readonly type: "redacted_thinking"; readonly data: string };

export type ChatMessage =
  | { readonly role: "system"; readonly text: string; readonly parts?: readonly SystemPart[] }
  | { readonly role: "user"; readonly parts: readonly ContentPart[] }
  | {
      readonly role: "assistant";
      readonly text: string;
      readonly toolCalls: readonly OpenAIToolCall[];
      readonly thinking?: readonly ThinkingPart[];
    }
  | { readonly role: "tool"; readonly toolCallId: string; readonly text: string };

export interface ToolDefinition {
  readonly name: string;
  readonly description?: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly cacheControl?: Json;
}

export type ToolChoice =
  | { readonly type: "auto" }
  | { readonly type: "none" }
  | { readonly type: "required" }
  | { readonly type: "function"; readonly name: string };

export interface ResponseFormat {
  readonly type: "text" | "json_object" | "json_schema";
  readonly name?: string;
  readonly schema?: Readonly<Record<string, unknown>>;
}

export interface ChatRequest {
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly tools: readonly ToolDefinition[];
  readonly toolChoice?: ToolChoice;
  readonly maxTokens?: number;
  readonly stop: readonly string[];
  readonly temperature?: number;
  readonly topP?: number;
  readonly topK?: number;
  readonly seed?: number;
  readonly user?: string;
  readonly presencePenalty?: number;
  readonly frequencyPenalty?: number;
  readonly parallelToolCalls?: boolean;
  readonly responseFormat?: ResponseFormat;
  /** OpenAI's `reasoning_effort`. */
  readonly reasoningEffort?: ReasoningEffort;
  /** Portkey's `thinking` parameter (Anthropic's shape, e.g. `{"type":"enabled","budget_tokens":2048}`). */
  readonly thinking?: Json;
  readonly stream: boolean;
  readonly includeUsage: boolean;
}

export type ReasoningEffort = "none" | "minimal" | "low" | "medium" | "high" | "xhigh";
const REASONING_EFFORTS: ReadonlySet<string> = new Set(["none", "minimal", "low", "medium", "high", "xhigh"]);

function bad(message: string, param: string): never {
  throw new BadRequestError(message, { param, code: "invalid_value" });
}

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function optNumber(body: Json, name: string): number | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) bad(`"${name}" must be a number.`, name);
  return v;
}

function optString(body: Json, name: string): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") bad(`"${name}" must be a string.`, name);
  return v;
}

const DATA_URL = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s;

/** `data:image/png;base64,...` -> media type and base64 payload; undefined for other URLs. */
export function parseDataUrl(url: string): InlineData | undefined {
  const m = DATA_URL.exec(url);
  return m ? { mediaType: m[1] as string, base64: m[2] as string } : undefined;
}

/** Text of a `content` that is a string or an array of text parts (images refused where text is required). */
function textOf(content: unknown, param: string): string {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) bad(`"${param}" must be a string or an array of content parts.`, param);
  let text = "";
  for (const part of content) {
    if (!isObject(part) || part.type !== "text" || typeof part.text !== "string") {
      bad(`"${param}" may only contain text parts here.`, param);
    }
    text += part.text;
  }
  return text;
}

function userParts(content: unknown, param: string): ContentPart[] {
  if (typeof content === "string") return [{ type: "text", text: content }];
  if (!Array.isArray(content)) bad(`"${param}" must be a string or an array of content parts.`, param);
  return content.map((part, i): ContentPart => {
    const p = `${param}[${i}]`;
    if (!isObject(part)) bad(`"${p}" must be an object.`, p);
    if (part.type === "text" && typeof part.text === "string") {
      return isObject(part.cache_control)
        ? { type: "text", text: part.text, cacheControl: part.cache_control }
        : { type: "text", text: part.text };
    }
    if (part.type === "image_url") {
      const image = part.image_url;
      const url = typeof image === "string" ? image : isObject(image) ? image.url : undefined;
      if (typeof url !== "string" || url === "") bad(`"${p}.image_url.url" must be a URL.`, `${p}.image_url.url`);
      const data = parseDataUrl(url);
      return data ? { type: "image", url, data } : { type: "image", url };
    }
    throw new BadRequestError(`Content part type "${String(part.type)}" is not supported by this provider.`, {
      param: `${p}.type`,
      code: "unsupported_content_part",
    });
  });
}

/** A system prompt's parts when it is an array with at least one `cache_control`, else undefined. */
function systemParts(content: unknown): SystemPart[] | undefined {
  if (!Array.isArray(content) || !content.some((p) => isObject(p) && isObject(p.cache_control))) return undefined;
  return content.map((p: Json) =>
    isObject(p.cache_control) ? { text: String(p.text), cacheControl: p.cache_control } : { text: String(p.text) },
  );
}

/** An assistant's content: its text, and the reasoning blocks it carries back (thinking parts, in order). */
function assistantContent(content: unknown, param: string): { text: string; thinking?: ThinkingPart[] } {
  if (!Array.isArray(content)) return { text: textOf(content, param) };
  const thinking: ThinkingPart[] = [];
  const textParts: unknown[] = [];
  content.forEach((part, i) => {
    const p = `${param}[${i}]`;
    if (isObject(part) && part.type === "thinking") {
      if (typeof part.thinking !== "string" || typeof part.signature !== "string") {
        bad(`"${p}" must have "thinking" and "signature" strings.`, p);
      }
      thinking.push({ type: "thinking", thinking: part.thinking, signature: part.signature });
    } else if (isObject(part) && part.type === "redacted_thinking") {
      if (typeof part.data !== "string") bad(`"${p}.data" must be a string.`, `${p}.data`);
      thinking.push({ type: "redacted_thinking", data: part.data });
    } else textParts.push(part);
  });
  const text = textOf(textParts, param);
  return thinking.length ? { text, thinking } : { text };
}

function toolCalls(value: unknown, param: string): OpenAIToolCall[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) bad(`"${param}" must be an array.`, param);
  return value.map((call, i): OpenAIToolCall => {
    const fn = isObject(call) ? call.function : undefined;
    if (!isObject(call) || typeof call.id !== "string" || !isObject(fn) || typeof fn.name !== "string") {
      bad(`"${param}[${i}]" must have an id and a function name.`, `${param}[${i}]`);
    }
    const args = typeof fn.arguments === "string" ? fn.arguments : "{}";
    const out: OpenAIToolCall = { id: call.id, type: "function", function: { name: fn.name, arguments: args } };
    if (fn.thought_signature !== undefined) {
      if (typeof fn.thought_signature !== "string") {
        bad(
          `"${param}[${i}].function.thought_signature" must be a string.`,
          `${param}[${i}].function.thought_signature`,
        );
      }
      out.function.thought_signature = fn.thought_signature;
    }
    if (isObject(call.extra_content)) out.extra_content = call.extra_content;
    return out;
  });
}

function readMessage(m: unknown, i: number): ChatMessage {
  const param = `messages[${i}]`;
  if (!isObject(m)) bad(`"${param}" must be an object.`, param);
  switch (m.role) {
    case "system":
    case "developer": {
      const text = textOf(m.content, `${param}.content`);
      const parts = systemParts(m.content);
      return parts ? { role: "system", text, parts } : { role: "system", text };
    }
    case "user":
      return { role: "user", parts: userParts(m.content, `${param}.content`) };
    case "assistant":
      return {
        role: "assistant",
        ...assistantContent(m.content, `${param}.content`),
        toolCalls: toolCalls(m.tool_calls, `${param}.tool_calls`),
      };
    case "tool":
      if (typeof m.tool_call_id !== "string") bad(`"${param}.tool_call_id" is required.`, `${param}.tool_call_id`);
      return { role: "tool", toolCallId: m.tool_call_id, text: textOf(m.content, `${param}.content`) };
    default:
      throw new BadRequestError(`Message role "${String(m.role)}" is not supported by this provider.`, {
        param: `${param}.role`,
        code: "unsupported_role",
      });
  }
}

function readTools(value: unknown): ToolDefinition[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) bad('"tools" must be an array.', "tools");
  return value.map((tool, i): ToolDefinition => {
    const fn = isObject(tool) ? tool.function : undefined;
    if (!isObject(tool) || tool.type !== "function" || !isObject(fn) || typeof fn.name !== "string") {
      bad(`"tools[${i}]" must be {"type":"function","function":{"name":...}}.`, `tools[${i}]`);
    }
    const parameters = isObject(fn.parameters) ? fn.parameters : { type: "object", properties: {} };
    const description = typeof fn.description === "string" ? fn.description : undefined;
    const definition: ToolDefinition =
      description === undefined ? { name: fn.name, parameters } : { name: fn.name, description, parameters };
    return isObject(tool.cache_control) ? { ...definition, cacheControl: tool.cache_control } : definition;
  });
}

function readToolChoice(value: unknown): ToolChoice | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === "auto" || value === "none" || value === "required") return { type: value };
  if (isObject(value) && isObject(value.function) && typeof value.function.name === "string") {
    return { type: "function", name: value.function.name };
  }
  return bad(
    '"tool_choice" must be "auto", "none", "required" or {"type":"function","function":{"name":...}}.',
    "tool_choice",
  );
}

function readStop(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((s) => typeof s === "string")) return value as string[];
  return bad('"stop" must be a string or an array of strings.', "stop");
}

function readResponseFormat(value: unknown): ResponseFormat | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) bad('"response_format" must be an object.', "response_format");
  if (value.type === "text" || value.type === "json_object") return { type: value.type };
  if (value.type === "json_schema" && isObject(value.json_schema)) {
    const js = value.json_schema;
    return {
      type: "json_schema",
      name: typeof js.name === "string" ? js.name : undefined,
      schema: isObject(js.schema) ? js.schema : undefined,
    };
  }
  return bad('"response_format.type" must be "text", "json_object" or "json_schema".', "response_format");
}

function readReasoningEffort(value: unknown): ReasoningEffort | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string" && REASONING_EFFORTS.has(value)) return value as ReasoningEffort;
  return bad(
    '"reasoning_effort" must be one of "none", "minimal", "low", "medium", "high" or "xhigh".',
    "reasoning_effort",
  );
}

function readThinking(value: unknown): Json | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value) || typeof value.type !== "string") {
    bad('"thinking" must be an object such as {"type":"enabled","budget_tokens":2048}.', "thinking");
  }
  return value;
}

export function readChatRequest(body: Readonly<Json>): ChatRequest {
  const model = body.model;
  if (typeof model !== "string" || model === "") bad('"model" is required.', "model");
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    bad('"messages" must be a non-empty array.', "messages");
  }
  const streamOptions = body.stream_options;
  const maxTokens = optNumber(body, "max_completion_tokens") ?? optNumber(body, "max_tokens");
  if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || maxTokens < 1)) {
    bad('"max_tokens" must be a positive integer.', "max_tokens");
  }
  const parallel = body.parallel_tool_calls;
  return {
    model,
    messages: body.messages.map(readMessage),
    tools: readTools(body.tools),
    toolChoice: readToolChoice(body.tool_choice),
    maxTokens,
    stop: readStop(body.stop),
    temperature: optNumber(body, "temperature"),
    topP: optNumber(body, "top_p"),
    topK: optNumber(body, "top_k"),
    seed: optNumber(body, "seed"),
    user: optString(body, "user"),
    presencePenalty: optNumber(body, "presence_penalty"),
    frequencyPenalty: optNumber(body, "frequency_penalty"),
    parallelToolCalls: typeof parallel === "boolean" ? parallel : undefined,
    responseFormat: readResponseFormat(body.response_format),
    reasoningEffort: readReasoningEffort(body.reasoning_effort),
    thinking: readThinking(body.thinking),
    stream: body.stream === true,
    includeUsage: isObject(streamOptions) && streamOptions.include_usage === true,
  };
}

/** The function name a tool result answers, found on the assistant message that made the call. */
export function toolNameFor(messages: readonly ChatMessage[], toolCallId: string): string | undefined {
  for (const m of messages) {
    if (m.role !== "assistant") continue;
    for (const call of m.toolCalls) if (call.id === toolCallId) return call.function.name;
  }
  return undefined;
}

/** Tool-call arguments as an object (providers that take structured input); invalid JSON is a 400. */
export function parseArguments(args: string, param: string): Json {
  if (args.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(args);
    if (isObject(value)) return value;
  } catch {
    // fall through to the 400 below
  }
  return bad(`"${param}" must be a JSON object encoded as a string.`, param);
}
