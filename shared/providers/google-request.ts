import { BadRequestError } from "../core/errors";
import {
  type ChatMessage,
  type ChatRequest,
  type ContentPart,
  parseArguments,
  type ReasoningEffort,
  toolNameFor,
} from "./chat-request";
import { SKIP_SIGNATURE, type ThinkingLevel, thinkingLevelFor, thinkingLevelsOf } from "./google-thinking";
import type { OpenAIToolCall } from "./openai-chunks";
import { COMMON_CHAT_MAPPED, type ParamPolicy } from "./param-policy";

export const GOOGLE_PARAMS: ParamPolicy = {
  ...COMMON_CHAT_MAPPED,
  top_k: "map",
  seed: "map",
  presence_penalty: "map",
  frequency_penalty: "map",
  response_format: "map",
  reasoning_effort: "map",
  thinking: "map",
  parallel_tool_calls: "drop",
  user: "drop",
};

/**
 * `reasoning_effort` -> Gemini's `thinkingBudget` in tokens, as Google's OpenAI-compatible endpoint maps it
 * (documented in docs/providers.md); `none` sends budget 0 (thinking off where the model allows it).
 */
export const GEMINI_THINKING_BUDGETS: Readonly<Record<Exclude<ReasoningEffort, "none">, number>> = {
  minimal: 1024,
  low: 1024,
  medium: 8192,
  high: 24576,
  xhigh: 32768,
};

type Part = Record<string, unknown>;
interface Content {
  role: "user" | "model";
  parts: Part[];
}

const IMAGE_TYPES: Readonly<Record<string, string>> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  gif: "image/gif",
  heic: "image/heic",
  heif: "image/heif",
};

/** An image URL's media type from its extension; Gemini's `fileData` needs one and we never guess silently. */
function mediaTypeOf(url: string, param: string): string {
  const ext = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase();
  const type = ext ? IMAGE_TYPES[ext] : undefined;
  if (!type) {
    throw new BadRequestError(
      "Provider google needs the image type: use a URL ending in .png/.jpg/.jpeg/.webp/.gif/.heic or a data URL.",
      { param, code: "invalid_value" },
    );
  }
  return type;
}

function partOf(part: ContentPart, param: string): Part {
  if (part.type === "text") return { text: part.text };
  if (part.data) return { inlineData: { mimeType: part.data.mediaType, data: part.data.base64 } };
  return { fileData: { mimeType: mediaTypeOf(part.url, param), fileUri: part.url } };
}

/** A tool result as Gemini's `functionResponse.response` (an object): JSON objects as is, text under `content`. */
function responseObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // plain text
  }
  return { content: text };
}

/** A call's thought signature as the client sent it back: Google's `extra_content` or Portkey's `function` field. */
function signatureOf(call: OpenAIToolCall, param: string): string | undefined {
  const google = call.extra_content?.google;
  const fromExtra =
    google && typeof google === "object" ? (google as Record<string, unknown>).thought_signature : undefined;
  if (fromExtra !== undefined && typeof fromExtra !== "string") {
    throw new BadRequestError(`"${param}.extra_content.google.thought_signature" must be a string.`, {
      param: `${param}.extra_content.google.thought_signature`,
      code: "invalid_value",
    });
  }
  return fromExtra ?? call.function.thought_signature;
}

/**
 * Which conversation parts the request is built for: Gemini 3+ (`levels` set) refuses an unsigned first function
 * call of a model turn, so one the client sent back without its signature gets Google's skip signature.
 */
interface Target {
  readonly levels: ReadonlySet<ThinkingLevel> | undefined;
}

function partsOf(
  m: Exclude<ChatMessage, { role: "system" }>,
  i: number,
  all: readonly ChatMessage[],
  target: Target,
): Part[] {
  if (m.role === "user") {
    return m.parts
      .filter((p) => p.type !== "text" || p.text !== "")
      .map((p, j) => partOf(p, `messages[${i}].content[${j}]`));
  }
  if (m.role === "tool") {
    const name = toolNameFor(all, m.toolCallId);
    if (!name) {
      throw new BadRequestError(`Tool result "${m.toolCallId}" answers no tool call of an earlier assistant message.`, {
        param: `messages[${i}].tool_call_id`,
        code: "invalid_value",
      });
    }
    return [{ functionResponse: { name, response: responseObject(m.text) } }];
  }
  const parts: Part[] = m.text ? [{ text: m.text }] : [];
  m.toolCalls.forEach((call, j) => {
    const param = `messages[${i}].tool_calls[${j}]`;
    const args = parseArguments(call.function.arguments, `${param}.function.arguments`);
    const signature = signatureOf(call, param) ?? (j === 0 && target.levels ? SKIP_SIGNATURE : undefined);
    parts.push({
      functionCall: { name: call.function.name, args },
      ...(signature ? { thoughtSignature: signature } : {}),
    });
  });
  return parts;
}

function contentsOf(messages: readonly ChatMessage[], target: Target): { system: string[]; contents: Content[] } {
  const system: string[] = [];
  const contents: Content[] = [];
  messages.forEach((m, i) => {
    if (m.role === "system") {
      if (m.text) system.push(m.text);
      return;
    }
    const parts = partsOf(m, i, messages, target);
    if (parts.length === 0) return;
    const role = m.role === "assistant" ? "model" : "user";
    const last = contents[contents.length - 1];
    if (last && last.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  });
  return { system, contents };
}

function toolConfig(chat: ChatRequest): Record<string, unknown> | undefined {
  const choice = chat.toolChoice;
  if (!choice) return undefined;
  if (choice.type === "function") {
    return { functionCallingConfig: { mode: "ANY", allowedFunctionNames: [choice.name] } };
  }
  const mode = choice.type === "none" ? "NONE" : choice.type === "required" ? "ANY" : "AUTO";
  return { functionCallingConfig: { mode } };
}

/**
 * `generationConfig.thinkingConfig`: Portkey's `thinking` ({type, budget_tokens}) first, else `reasoning_effort`
 * (a `thinkingLevel` on Gemini 3+, a `thinkingBudget` before). With thinking on, `includeThoughts` asks Gemini for
 * its thought summaries (returned as `reasoning_content`).
 */
function thinkingConfig(chat: ChatRequest, target: Target): Record<string, unknown> | undefined {
  const thinking = chat.thinking;
  if (thinking) {
    if (thinking.type === "disabled") return { thinkingBudget: 0 };
    const budget = thinking.budget_tokens;
    if (budget === undefined) return { includeThoughts: true };
    if (typeof budget !== "number" || !Number.isInteger(budget) || budget < 0) {
      throw new BadRequestError('"thinking.budget_tokens" must be a whole number of tokens.', {
        param: "thinking.budget_tokens",
        code: "invalid_value",
      });
    }
    return budget === 0 ? { thinkingBudget: 0 } : { thinkingBudget: budget, includeThoughts: true };
  }
  const effort = chat.reasoningEffort;
  if (effort === undefined) return undefined;
  if (target.levels) {
    const thinkingLevel = thinkingLevelFor(target.levels, effort);
    return effort === "none" ? { thinkingLevel } : { thinkingLevel, includeThoughts: true };
  }
  if (effort === "none") return { thinkingBudget: 0 };
  return { thinkingBudget: GEMINI_THINKING_BUDGETS[effort], includeThoughts: true };
}

/** OpenAI chat request -> Gemini `GenerateContentRequest` for `model` (the bare id: `gemini-3-flash-preview`). */
export function toGeminiBody(chat: ChatRequest, model: string): Record<string, unknown> {
  const target: Target = { levels: thinkingLevelsOf(model) };
  const { system, contents } = contentsOf(chat.messages, target);
  if (contents.length === 0) {
    throw new BadRequestError("Provider google needs at least one user or assistant message.", {
      param: "messages",
      code: "invalid_value",
    });
  }
  const body: Record<string, unknown> = { contents };
  if (system.length) body.systemInstruction = { parts: system.map((text) => ({ text })) };
  const config: Record<string, unknown> = {};
  if (chat.maxTokens !== undefined) config.maxOutputTokens = chat.maxTokens;
  if (chat.temperature !== undefined) config.temperature = chat.temperature;
  if (chat.topP !== undefined) config.topP = chat.topP;
  if (chat.topK !== undefined) config.topK = chat.topK;
  if (chat.stop.length) config.stopSequences = chat.stop;
  if (chat.seed !== undefined) config.seed = chat.seed;
  if (chat.presencePenalty !== undefined) config.presencePenalty = chat.presencePenalty;
  if (chat.frequencyPenalty !== undefined) config.frequencyPenalty = chat.frequencyPenalty;
  const format = chat.responseFormat;
  if (format && format.type !== "text") {
    config.responseMimeType = "application/json";
    if (format.type === "json_schema" && format.schema) config.responseJsonSchema = format.schema;
  }
  const thinking = thinkingConfig(chat, target);
  if (thinking) config.thinkingConfig = thinking;
  if (Object.keys(config).length) body.generationConfig = config;
  if (chat.tools.length) {
    body.tools = [
      {
        functionDeclarations: chat.tools.map((t) => ({
          name: t.name,
          ...(t.description === undefined ? {} : { description: t.description }),
          parametersJsonSchema: t.parameters,
        })),
      },
    ];
  }
  const tc = toolConfig(chat);
  if (tc) body.toolConfig = tc;
  return body;
}

/** `models/gemini-x` and `gemini-x` name the same model; the URL wants the bare id. */
export function geminiModelId(model: string): string {
  return model.startsWith("models/") ? model.slice("models/".length) : model;
}
