import type { ErrorBody } from "../core/errors";
import { extraContentOf } from "./google-thinking";
import {
  ChatChunkWriter,
  chatCompletion,
  type FinishReason,
  geminiFinish,
  nowSeconds,
  type OpenAIToolCall,
} from "./openai-chunks";
import { SseEventTranslator } from "./sse-event-translator";
import type { SseEvent } from "./sse-parser";
import type { StreamTranslator, Usage } from "./types";

type Json = Record<string, unknown>;

function num(v: unknown): number {
  return typeof v === "number" && !Number.isNaN(v) ? v : 0;
}

/** Gemini `usageMetadata` -> ours; thinking tokens count as completion (and as reasoning) tokens. */
export function geminiUsage(u: Json): Usage {
  const prompt = num(u.promptTokenCount);
  const thoughts = num(u.thoughtsTokenCount);
  const completion = num(u.candidatesTokenCount) + thoughts;
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  if (typeof u.cachedContentTokenCount === "number") usage.cached_tokens = u.cachedContentTokenCount;
  if (thoughts) usage.reasoning_tokens = thoughts;
  return usage;
}

interface CandidateParts {
  text: string;
  /** Thought summaries (`thought: true` parts), in order. */
  reasoning: string;
  /** Function calls; `signature` is the part's `thoughtSignature` (Gemini 3 signs the first call of a step). */
  calls: { name: string; args: unknown; id?: string; signature?: string }[];
}

function readParts(candidate: Json | undefined): CandidateParts {
  const out: CandidateParts = { text: "", reasoning: "", calls: [] };
  const content = candidate?.content as Json | undefined;
  for (const part of Array.isArray(content?.parts) ? (content.parts as Json[]) : []) {
    if (part.thought === true) {
      if (typeof part.text === "string") out.reasoning += part.text;
      continue;
    }
    if (typeof part.text === "string") out.text += part.text;
    const call = part.functionCall as Json | undefined;
    if (call && typeof call.name === "string") {
      out.calls.push({
        name: call.name,
        args: call.args ?? {},
        id: typeof call.id === "string" ? call.id : undefined,
        signature: typeof part.thoughtSignature === "string" ? part.thoughtSignature : undefined,
      });
    }
  }
  return out;
}

/** Gemini reports STOP for function calls; OpenAI says tool_calls. A prompt block is a content filter. */
function finishOf(candidate: Json | undefined, hadCalls: boolean, response: Json): FinishReason | null {
  const blocked = (response.promptFeedback as Json | undefined)?.blockReason;
  if (!candidate) return blocked ? "content_filter" : null;
  if (!candidate.finishReason) return null;
  const reason = geminiFinish(candidate.finishReason);
  return reason === "stop" && hadCalls ? "tool_calls" : reason;
}

function callId(responseId: string, index: number, given: string | undefined): string {
  return given ?? `call_${responseId}_${index}`;
}

/** Gemini `GenerateContentResponse` -> OpenAI `chat.completion`. */
export function fromGeminiResponse(response: Json, requestedModel: string) {
  const candidate = Array.isArray(response.candidates) ? (response.candidates[0] as Json | undefined) : undefined;
  const { text, reasoning, calls } = readParts(candidate);
  const id = typeof response.responseId === "string" ? response.responseId : `gen-${nowSeconds()}`;
  const toolCalls: OpenAIToolCall[] = calls.map((c, i) => ({
    id: callId(id, i, c.id),
    type: "function",
    function: { name: c.name, arguments: JSON.stringify(c.args) },
    ...(c.signature ? { extra_content: extraContentOf(c.signature) } : {}),
  }));
  const usage = response.usageMetadata ? geminiUsage(response.usageMetadata as Json) : undefined;
  const model = typeof response.modelVersion === "string" ? response.modelVersion : requestedModel;
  const finish = finishOf(candidate, calls.length > 0, response) ?? "stop";
  const body = chatCompletion({
    id,
    model,
    created: nowSeconds(),
    text: text || toolCalls.length === 0 ? text : null,
    toolCalls,
    finishReason: finish,
    usage,
    reasoning,
  });
  return { body, usage, model };
}

/** Gemini's error shape `{"error":{"code","message","status"}}` -> OpenAI's; `status` becomes type and code. */
export function geminiErrorBody(status: number, raw: Buffer): ErrorBody | undefined {
  try {
    const parsed = JSON.parse(raw.toString("utf8")) as Json | Json[];
    const inner = (Array.isArray(parsed) ? parsed[0] : parsed)?.error as Json | undefined;
    if (!inner || typeof inner.message !== "string") return undefined;
    const s = typeof inner.status === "string" ? inner.status : null;
    return { error: { message: inner.message, type: s ? s.toLowerCase() : `http_${status}`, param: null, code: s } };
  } catch {
    return undefined;
  }
}

/**
 * `streamGenerateContent?alt=sse` -> OpenAI chunks. Each SSE event is a whole `GenerateContentResponse`; function
 * calls arrive whole (one start + one arguments chunk each). Gemini has no end event: the stream is complete once
 * a candidate carried a `finishReason` (or the prompt was blocked), and the usage chunk and `[DONE]` follow at
 * the end of the upstream.
 */
export class GeminiStreamTranslator extends SseEventTranslator implements StreamTranslator {
  model: string | undefined;
  usage: Usage | undefined;
  private readonly writer: ChatChunkWriter;
  private started = false;
  private tools = 0;

  constructor(requestedModel: string, includeUsage: boolean) {
    super();
    this.writer = new ChatChunkWriter(`gen-${nowSeconds()}`, requestedModel, includeUsage);
  }

  override end(): string {
    const out = super.end();
    if (!this.finished || this.error) return out;
    return (
      out +
      this.writer.usage(this.usage ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }) +
      this.writer.done()
    );
  }

  /** Gemini has no end event: translation continues until an error. */
  protected override stopped(): boolean {
    return this.error !== undefined;
  }

  protected onEvent(event: SseEvent): string {
    return this.onResponse(event.data);
  }

  private onResponse(data: string): string {
    let response: Json;
    try {
      response = JSON.parse(data) as Json;
    } catch {
      return "";
    }
    if (response.error && typeof response.error === "object") return this.onError(response.error as Json);
    let out = "";
    if (!this.started) {
      this.started = true;
      if (typeof response.responseId === "string") this.writer.id = response.responseId;
      if (typeof response.modelVersion === "string") {
        this.writer.model = response.modelVersion;
        this.model = response.modelVersion;
      }
      out += this.writer.role();
    }
    if (response.usageMetadata) this.usage = geminiUsage(response.usageMetadata as Json);
    const candidate = Array.isArray(response.candidates) ? (response.candidates[0] as Json | undefined) : undefined;
    const { text, reasoning, calls } = readParts(candidate);
    if (reasoning) out += this.writer.reasoning(reasoning);
    if (text) out += this.writer.content(text);
    for (const call of calls) {
      const index = this.tools++;
      const extra = call.signature ? extraContentOf(call.signature) : undefined;
      out += this.writer.toolCallStart(index, callId(this.writer.id, index, call.id), call.name, extra);
      out += this.writer.toolCallArguments(index, JSON.stringify(call.args));
    }
    const finish = finishOf(candidate, this.tools > 0, response);
    if (finish && !this.finished) {
      this.finished = true;
      out += this.writer.finish(finish);
    }
    return out;
  }

  private onError(error: Json): string {
    const status = typeof error.status === "string" ? error.status : null;
    const message = typeof error.message === "string" ? error.message : "google reported an error mid-stream";
    this.error = { error: { message, type: status ? status.toLowerCase() : "api_error", param: null, code: status } };
    this.finished = true;
    return this.writer.error(this.error);
  }
}
