import { createHash } from "node:crypto";
import type { ErrorBody } from "../core/errors";
import { wantsUsage } from "./adapter-kit";
import { MistralStreamTranslator } from "./mistral-stream";
import { openAICompatible } from "./openai-compatible";
import { toOpenAIErrorBody } from "./openai-errors";
import { applyParamPolicy, type ParamPolicy } from "./param-policy";
import type { ProviderAdapter, TransformContext } from "./types";

/**
 * Mistral speaks OpenAI's format with differences (from its API reference): `random_seed` instead of `seed`,
 * `max_tokens` only, `tool_choice: "any"` for "required", tool-call ids of exactly 9 characters [a-zA-Z0-9], no
 * `stream_options` (the last streamed chunk always carries usage), and a 422 for any unknown field. Its own
 * `safe_prompt` passes through.
 */
export const MISTRAL_PARAMS: ParamPolicy = {
  max_tokens: "map",
  max_completion_tokens: "map",
  temperature: "map",
  top_p: "map",
  stop: "map",
  tools: "map",
  tool_choice: "map",
  parallel_tool_calls: "map",
  response_format: "map",
  presence_penalty: "map",
  frequency_penalty: "map",
  n: "map",
  seed: "map",
  safe_prompt: "map",
  prediction: "map",
  logprobs: "refuse",
  top_logprobs: "refuse",
  functions: "refuse",
  function_call: "refuse",
  audio: "refuse",
  modalities: "refuse",
};

const MISTRAL_ID = /^[a-zA-Z0-9]{9}$/;

/** A tool-call id Mistral accepts; the same input always gives the same id, so calls and results still match. */
export function mistralToolCallId(id: string): string {
  if (MISTRAL_ID.test(id)) return id;
  return createHash("sha256")
    .update(id)
    .digest("base64")
    .replace(/[^a-zA-Z0-9]/g, "")
    .slice(0, 9)
    .padEnd(9, "0");
}

type Json = Record<string, unknown>;

function rewriteMessage(m: unknown): unknown {
  if (!m || typeof m !== "object") return m;
  const msg = { ...(m as Json) };
  if (typeof msg.tool_call_id === "string") msg.tool_call_id = mistralToolCallId(msg.tool_call_id);
  if (Array.isArray(msg.tool_calls)) {
    msg.tool_calls = msg.tool_calls.map((c: Json) =>
      typeof c.id === "string" ? { ...c, id: mistralToolCallId(c.id) } : c,
    );
  }
  return msg;
}

export function toMistralBody(ctx: TransformContext): { body: Json; dropped: readonly string[] } {
  const dropped = [...applyParamPolicy(ctx.body, MISTRAL_PARAMS, "mistral-ai")];
  const body: Json = {};
  for (const [k, v] of Object.entries(ctx.body)) {
    // Mistral answers 422 to any field it does not know, even with a default value: only known fields go
    if (k === "model" || k === "messages" || k === "stream" || MISTRAL_PARAMS[k] === "map") body[k] = v;
  }
  if (ctx.body.stream_options !== undefined) dropped.push("stream_options");
  if (body.max_completion_tokens !== undefined) {
    body.max_tokens ??= body.max_completion_tokens;
    delete body.max_completion_tokens;
  }
  if (body.seed !== undefined) {
    body.random_seed = body.seed;
    delete body.seed;
  }
  if (body.tool_choice === "required") body.tool_choice = "any";
  if (Array.isArray(body.messages)) body.messages = body.messages.map(rewriteMessage);
  return { body, dropped };
}

/** Mistral's 422 `{"object":"error","message":{"detail":[...]}}` and 401 `{"message":"Unauthorized"}`. */
export function mistralErrorBody(status: number, raw: Buffer): ErrorBody {
  try {
    const parsed = JSON.parse(raw.toString("utf8")) as Json;
    if (parsed.message && typeof parsed.message === "object") {
      const detail = (parsed.message as Json).detail;
      const type = typeof parsed.type === "string" ? parsed.type : "invalid_request_error";
      return { error: { message: JSON.stringify(detail ?? parsed.message), type, param: null, code: null } };
    }
  } catch {
    // not JSON: the generic mapper below
  }
  return toOpenAIErrorBody(status, raw, "mistral-ai");
}

/** Mistral: OpenAI's wire format with its own chat body, chat stream and error shapes. */
export const mistralAdapter: ProviderAdapter = openAICompatible({
  id: "mistral-ai",
  baseUrl: "https://api.mistral.ai/v1",
  endpoints: ["chat", "embeddings", "models"],
  endpointOverrides: {
    chat: { rewriteBody: toMistralBody, stream: (ctx) => new MistralStreamTranslator(wantsUsage(ctx.body)) },
  },
  mapError: (status, body) => mistralErrorBody(status, body),
});
