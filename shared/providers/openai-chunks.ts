import type { ErrorBody } from "../core/errors";
import type { Usage } from "./types";

/** OpenAI's finish reasons for chat completions. */
export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter";

/** A tool call in OpenAI's response shape. */
export interface OpenAIToolCall {
  id: string;
  type: "function";
  /** `thought_signature`: Portkey's place for a Gemini thought signature on a call sent back. */
  function: { name: string; arguments: string; thought_signature?: string };
  /** Provider data riding on the call (Gemini's `{"google":{"thought_signature"}}`), sent back as received. */
  extra_content?: Record<string, unknown>;
}

/** OpenAI's `usage` object from our `Usage` (cached tokens under `prompt_tokens_details`). */
export function openAIUsage(usage: Usage): Record<string, unknown> {
  const out: Record<string, unknown> = {
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    total_tokens: usage.total_tokens,
  };
  if (usage.cached_tokens !== undefined) out.prompt_tokens_details = { cached_tokens: usage.cached_tokens };
  if (usage.reasoning_tokens !== undefined) {
    out.completion_tokens_details = { reasoning_tokens: usage.reasoning_tokens };
  }
  return out;
}

export interface ChatCompletionParts {
  readonly id: string;
  readonly model: string;
  readonly created: number;
  readonly text: string | null;
  readonly toolCalls: readonly OpenAIToolCall[];
  readonly finishReason: FinishReason | null;
  readonly usage?: Usage;
  /** The model's reasoning text (Anthropic thinking, Gemini thought summaries), as `message.reasoning_content`. */
  readonly reasoning?: string;
  /** Portkey's `message.content_blocks` (the provider's blocks, signatures kept), when strict compliance is off. */
  readonly contentBlocks?: readonly Record<string, unknown>[];
}

/**
 * True unless the request sent `x-portkey-strict-open-ai-compliance: false`: then answers may carry Portkey's
 * non-OpenAI fields (`content_blocks` with thinking signatures).
 */
export function strictCompliance(options: Readonly<Record<string, string | undefined>> | undefined): boolean {
  return options?.strictOpenAiCompliance !== "false";
}

/** A non-streamed `chat.completion` body. */
export function chatCompletion(parts: ChatCompletionParts): Record<string, unknown> {
  const message: Record<string, unknown> = { role: "assistant", content: parts.text, refusal: null };
  if (parts.toolCalls.length) message.tool_calls = parts.toolCalls;
  if (parts.reasoning) message.reasoning_content = parts.reasoning;
  if (parts.contentBlocks) message.content_blocks = parts.contentBlocks;
  const body: Record<string, unknown> = {
    id: parts.id,
    object: "chat.completion",
    created: parts.created,
    model: parts.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: parts.finishReason }],
  };
  if (parts.usage) body.usage = openAIUsage(parts.usage);
  return body;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * Writes OpenAI `chat.completion.chunk` SSE events. One writer per stream; `id` and `model` may be learnt from
 * the provider's first event. With `include_usage`, every chunk carries `"usage":null` and a final chunk with
 * `choices: []` carries the usage, as OpenAI does.
 */
export class ChatChunkWriter {
  id: string;
  model: string;
  readonly created = nowSeconds();
  private prefix = "";

  constructor(
    id: string,
    model: string,
    private readonly includeUsage: boolean,
  ) {
    this.id = id;
    this.model = model;
  }

  /** The opening chunk: `delta: {role: "assistant", content: ""}`. */
  role(): string {
    return this.chunk('{"role":"assistant","content":""}', "null");
  }

  content(text: string): string {
    return this.chunk(`{"content":${JSON.stringify(text)}}`, "null");
  }

  /** A reasoning delta (`reasoning_content`, as DeepSeek and Portkey write it). */
  reasoning(text: string): string {
    return this.chunk(`{"reasoning_content":${JSON.stringify(text)}}`, "null");
  }

  /** Portkey's `content_blocks` delta: one provider block's increment (`thinking`, `signature`, `data`). */
  contentBlock(index: number, delta: Record<string, string>, reasoning?: string): string {
    const head = reasoning === undefined ? "" : `"reasoning_content":${JSON.stringify(reasoning)},`;
    return this.chunk(`{${head}"content_blocks":[{"index":${index},"delta":${JSON.stringify(delta)}}]}`, "null");
  }

  toolCallStart(index: number, id: string, name: string, extra?: Record<string, unknown>): string {
    const more = extra ? `,"extra_content":${JSON.stringify(extra)}` : "";
    const call = `{"index":${index},"id":${JSON.stringify(id)},"type":"function","function":{"name":${JSON.stringify(name)},"arguments":""}${more}}`;
    return this.chunk(`{"tool_calls":[${call}]}`, "null");
  }

  toolCallArguments(index: number, fragment: string): string {
    return this.chunk(
      `{"tool_calls":[{"index":${index},"function":{"arguments":${JSON.stringify(fragment)}}}]}`,
      "null",
    );
  }

  finish(reason: FinishReason): string {
    return this.chunk("{}", `"${reason}"`);
  }

  /** The final usage chunk (only when the client asked for `stream_options.include_usage`). */
  usage(usage: Usage): string {
    if (!this.includeUsage) return "";
    return `data: {${this.head()},"choices":[],"usage":${JSON.stringify(openAIUsage(usage))}}\n\n`;
  }

  done(): string {
    return "data: [DONE]\n\n";
  }

  error(body: ErrorBody): string {
    return `data: ${JSON.stringify(body)}\n\n`;
  }

  private head(): string {
    if (!this.prefix) {
      this.prefix = `"id":${JSON.stringify(this.id)},"object":"chat.completion.chunk","created":${this.created},"model":${JSON.stringify(this.model)}`;
    }
    return this.prefix;
  }

  private chunk(delta: string, finish: string): string {
    const usage = this.includeUsage ? ',"usage":null' : "";
    return `data: {${this.head()},"choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}]${usage}}\n\n`;
  }
}

/** Builds a finish-reason map function; unknown provider reasons become `stop` (the answer ended normally). */
export function finishReasonMap(map: Readonly<Record<string, FinishReason>>): (reason: unknown) => FinishReason {
  return function toFinishReason(reason: unknown): FinishReason {
    return (typeof reason === "string" && map[reason]) || "stop";
  };
}

export const anthropicFinish = finishReasonMap({
  end_turn: "stop",
  stop_sequence: "stop",
  pause_turn: "stop",
  max_tokens: "length",
  model_context_window_exceeded: "length",
  tool_use: "tool_calls",
  refusal: "content_filter",
});

export const bedrockFinish = finishReasonMap({
  end_turn: "stop",
  stop_sequence: "stop",
  max_tokens: "length",
  model_context_window_exceeded: "length",
  tool_use: "tool_calls",
  guardrail_intervened: "content_filter",
  content_filtered: "content_filter",
});

export const geminiFinish = finishReasonMap({
  STOP: "stop",
  MAX_TOKENS: "length",
  SAFETY: "content_filter",
  RECITATION: "content_filter",
  BLOCKLIST: "content_filter",
  PROHIBITED_CONTENT: "content_filter",
  SPII: "content_filter",
  IMAGE_SAFETY: "content_filter",
  LANGUAGE: "content_filter",
});

export const cohereFinish = finishReasonMap({
  COMPLETE: "stop",
  STOP_SEQUENCE: "stop",
  MAX_TOKENS: "length",
  TOOL_CALL: "tool_calls",
  ERROR: "stop",
  TIMEOUT: "stop",
});
