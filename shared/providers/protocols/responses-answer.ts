import { randomBytes } from "node:crypto";
import { UpstreamUnavailableError } from "../../core/errors";
import type { TransformContext, TranslatedResponse, Usage } from "../types";
import { EXPANDED_FROM } from "./responses-request";

type Json = Record<string, unknown>;

/**
 * An OpenAI chat completion as OpenAI's Responses `response` object (docs/responses.md), and the pieces the stream
 * translator shares: the ids, the response's request echo, the usage. Pure apart from the random ids.
 */

/**
 * A new response id: `resp_` and 24 random bytes (hex), unguessable, as it is the handle of stored conversation
 * state. The items of the response are named after it (`msg_<hex>_<n>`, `fc_<hex>_<n>`).
 */
export function newResponseIds(): { readonly id: string; item(kind: "msg" | "fc" | "rs", n: number): string } {
  const hex = randomBytes(24).toString("hex");
  return { id: `resp_${hex}`, item: (kind, n) => `${kind}_${hex}_${n}` };
}

/** The gateway's usage in the Responses shape. */
export function responsesUsage(usage: Usage | undefined): Json | null {
  if (!usage) return null;
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: usage.cached_tokens ?? 0 },
    output_tokens: usage.completion_tokens,
    output_tokens_details: { reasoning_tokens: usage.reasoning_tokens ?? 0 },
    total_tokens: usage.total_tokens,
  };
}

function orNull(value: unknown): unknown {
  return value === undefined ? null : value;
}

/** The fields of a response that echo the request, in OpenAI's order, with OpenAI's defaults. */
export function responseShell(
  body: Readonly<Record<string | symbol, unknown>>,
  ids: { readonly id: string },
  model: string | undefined,
  createdAt: number,
): Json {
  const reasoning = body.reasoning as { effort?: unknown } | undefined;
  const text = body.text as { format?: unknown } | undefined;
  const shell: Json = {
    id: ids.id,
    object: "response",
    created_at: createdAt,
    status: "in_progress",
    background: false,
    error: null,
    incomplete_details: null,
    instructions: orNull(body.instructions),
    max_output_tokens: orNull(body.max_output_tokens),
    model: model ?? body.model,
    output: [],
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: orNull(body[EXPANDED_FROM] ?? body.previous_response_id),
    reasoning: { effort: orNull(reasoning?.effort), summary: null },
    store: body.store !== false,
    temperature: orNull(body.temperature),
    text: { format: text?.format ?? { type: "text" } },
    tool_choice: body.tool_choice ?? "auto",
    tools: body.tools ?? [],
    top_p: orNull(body.top_p),
    truncation: "disabled",
    usage: null,
    metadata: body.metadata ?? {},
  };
  if (typeof body.user === "string") shell.user = body.user;
  return shell;
}

/** Finishes a response: its status from the chat finish reason (`length` is OpenAI's `max_output_tokens`). */
export function completeResponse(shell: Json, output: Json[], finishReason: unknown, usage: Usage | undefined): Json {
  const incomplete = finishReason === "length" || finishReason === "content_filter";
  return {
    ...shell,
    status: incomplete ? "incomplete" : "completed",
    incomplete_details: incomplete
      ? { reason: finishReason === "length" ? "max_output_tokens" : "content_filter" }
      : null,
    output,
    usage: responsesUsage(usage),
  };
}

export function messageItem(id: string, text: string, status: string, refusal?: string): Json {
  const content: Json[] = [];
  if (text !== "" || refusal === undefined) content.push({ type: "output_text", annotations: [], logprobs: [], text });
  if (refusal !== undefined) content.push({ type: "refusal", refusal });
  return { id, type: "message", status, content, role: "assistant" };
}

export function functionCallItem(id: string, callId: string, name: string, args: string, status: string): Json {
  return { id, type: "function_call", status, arguments: args, call_id: callId, name };
}

export function reasoningItem(id: string, text: string): Json {
  return { id, type: "reasoning", summary: [], content: [{ type: "reasoning_text", text }] };
}

function parseChat(body: string | Buffer): Json {
  try {
    const value: unknown = JSON.parse(typeof body === "string" ? body : body.toString("utf8"));
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Json;
  } catch {
    // below
  }
  throw new UpstreamUnavailableError("The provider's answer is not a chat completion.", {
    code: "invalid_upstream_response",
  });
}

/** The output items of a chat completion's first choice: reasoning, the message, then the function calls. */
function outputOf(message: Json, ids: ReturnType<typeof newResponseIds>): Json[] {
  const output: Json[] = [];
  let n = 0;
  const reasoning = message.reasoning_content;
  if (typeof reasoning === "string" && reasoning !== "") output.push(reasoningItem(ids.item("rs", n++), reasoning));
  const text = typeof message.content === "string" ? message.content : "";
  const refusal = typeof message.refusal === "string" ? message.refusal : undefined;
  const calls = Array.isArray(message.tool_calls) ? (message.tool_calls as Json[]) : [];
  if (text !== "" || refusal !== undefined || calls.length === 0) {
    output.push(messageItem(ids.item("msg", n++), text, "completed", refusal));
  }
  for (const call of calls) {
    const fn = (call.function ?? {}) as Json;
    const args = typeof fn.arguments === "string" ? fn.arguments : "";
    output.push(functionCallItem(ids.item("fc", n++), String(call.id ?? ""), String(fn.name ?? ""), args, "completed"));
  }
  return output;
}

/** A chat completion answer (as the provider's `fromResponse` made it) as a Responses answer. */
export function chatToResponse(chat: TranslatedResponse, ctx: TransformContext): TranslatedResponse {
  const completion = parseChat(chat.body);
  const choice = (Array.isArray(completion.choices) ? completion.choices[0] : undefined) as Json | undefined;
  const message = (choice?.message ?? {}) as Json;
  const ids = newResponseIds();
  const model = chat.model ?? (typeof completion.model === "string" ? completion.model : undefined);
  const created = typeof completion.created === "number" ? completion.created : Math.floor(Date.now() / 1000);
  const shell = responseShell(ctx.body, ids, model, created);
  const response = completeResponse(shell, outputOf(message, ids), choice?.finish_reason, chat.usage);
  return { ...chat, body: JSON.stringify(response), contentType: "application/json" };
}
