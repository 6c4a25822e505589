import { randomUUID } from "node:crypto";
import type { ErrorBody } from "../core/errors";
import { bedrockFinish, chatCompletion, nowSeconds, type OpenAIToolCall } from "./openai-chunks";
import type { Usage } from "./types";

type Json = Record<string, unknown>;

function num(v: unknown): number {
  return typeof v === "number" && !Number.isNaN(v) ? v : 0;
}

/** Converse usage -> ours. `inputTokens` excludes cache reads/writes, which OpenAI counts in prompt_tokens. */
export function bedrockUsage(u: Json): Usage {
  const cacheRead = num(u.cacheReadInputTokens);
  const cacheWrite = num(u.cacheWriteInputTokens);
  const prompt = num(u.inputTokens) + cacheRead + cacheWrite;
  const completion = num(u.outputTokens);
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  if (typeof u.cacheReadInputTokens === "number") usage.cached_tokens = cacheRead;
  if (typeof u.cacheWriteInputTokens === "number") usage.cache_creation_tokens = cacheWrite;
  return usage;
}

/**
 * Converse response -> OpenAI `chat.completion`. Converse has no response id: one is made up. `reasoningContent`
 * becomes `reasoning_content`; with `strict` off, reasoning and text are also returned as Portkey's
 * `content_blocks` in Anthropic's shape (signatures kept, so a client can send them back on the next turn).
 */
export function fromConverseResponse(response: Json, model: string, strict = true) {
  const message = ((response.output as Json | undefined)?.message ?? {}) as Json;
  let text = "";
  let hasText = false;
  let reasoning = "";
  const toolCalls: OpenAIToolCall[] = [];
  const contentBlocks: Json[] = [];
  for (const block of Array.isArray(message.content) ? (message.content as Json[]) : []) {
    if (typeof block.text === "string") {
      text += block.text;
      hasText = true;
      contentBlocks.push({ type: "text", text: block.text });
    }
    const thought = block.reasoningContent as Json | undefined;
    const said = thought?.reasoningText as Json | undefined;
    if (said && typeof said.text === "string") {
      reasoning += said.text;
      contentBlocks.push({ type: "thinking", thinking: said.text, signature: String(said.signature ?? "") });
    } else if (typeof thought?.redactedContent === "string") {
      contentBlocks.push({ type: "redacted_thinking", data: thought.redactedContent });
    }
    const use = block.toolUse as Json | undefined;
    if (use) {
      toolCalls.push({
        id: String(use.toolUseId),
        type: "function",
        function: { name: String(use.name), arguments: JSON.stringify(use.input ?? {}) },
      });
    }
  }
  const usage = response.usage ? bedrockUsage(response.usage as Json) : undefined;
  const body = chatCompletion({
    id: `chatcmpl-bedrock-${randomUUID()}`,
    model,
    created: nowSeconds(),
    text: hasText || toolCalls.length === 0 ? text : null,
    toolCalls,
    finishReason: bedrockFinish(response.stopReason),
    usage,
    reasoning,
    contentBlocks: strict || !contentBlocks.some((b) => b.type !== "text") ? undefined : contentBlocks,
  });
  return { body, usage };
}

/** Bedrock's error types by status (the body is only `{"message": ...}`; the type travels in a header). */
const ERROR_TYPES: Readonly<Record<number, string>> = {
  400: "ValidationException",
  403: "AccessDeniedException",
  404: "ResourceNotFoundException",
  408: "ModelTimeoutException",
  424: "ModelErrorException",
  429: "ThrottlingException",
  500: "InternalServerException",
  503: "ServiceUnavailableException",
};

export function bedrockErrorBody(status: number, raw: Buffer): ErrorBody {
  let message: string | undefined;
  try {
    const parsed = JSON.parse(raw.toString("utf8")) as Json;
    const m = parsed.message ?? parsed.Message;
    if (typeof m === "string") message = m;
  } catch {
    message = raw.toString("utf8").trim().slice(0, 2000) || undefined;
  }
  const type = ERROR_TYPES[status] ?? (status >= 500 ? "InternalServerException" : "ValidationException");
  return { error: { message: message ?? `bedrock returned HTTP ${status}`, type, param: null, code: type } };
}

/** InvokeModel embedding answers (Titan: one vector + token count; Cohere: vectors, no count). */
export function fromInvokeEmbedding(response: Json): { vectors: number[][]; tokens: number } {
  if (Array.isArray(response.embedding)) {
    return { vectors: [response.embedding as number[]], tokens: num(response.inputTextTokenCount) };
  }
  const embeddings = response.embeddings;
  if (Array.isArray(embeddings)) return { vectors: embeddings as number[][], tokens: 0 };
  if (embeddings && typeof embeddings === "object" && Array.isArray((embeddings as Json).float)) {
    return { vectors: (embeddings as Json).float as number[][], tokens: 0 };
  }
  return { vectors: [], tokens: 0 };
}
