import type { FakeServer } from "./fake-server";
import { startOpenAIWireFake } from "./openai-wire-fake";

/**
 * A fake of Mistral's chat API (`POST /v1/chat/completions`, Bearer key): OpenAI's format, but a 422 for unknown
 * fields and tool-call ids that are not 9 characters [a-zA-Z0-9], usage on the last streamed chunk always, and
 * Mistral's error bodies (`{"object":"error","message":...,"type":...}`).
 */
const KNOWN = new Set([
  "model",
  "messages",
  "temperature",
  "top_p",
  "max_tokens",
  "stream",
  "stop",
  "random_seed",
  "response_format",
  "tools",
  "tool_choice",
  "presence_penalty",
  "frequency_penalty",
  "n",
  "prediction",
  "parallel_tool_calls",
  "safe_prompt",
]);
const TOOL_ID = /^[a-zA-Z0-9]{9}$/;

export function mistralErrorBody(status: number, message = `fake mistral error ${status}`): string {
  if (status === 401)
    return JSON.stringify({ message: `Unauthorized: fake mistral error ${status}`, request_id: "req_fake" });
  return JSON.stringify({
    object: "error",
    message,
    type: status === 429 ? "rate_limited" : "invalid_request_error",
    param: null,
    code: String(status),
  });
}

function validate(body: Record<string, unknown>): [number, string] | undefined {
  for (const k of Object.keys(body)) if (!KNOWN.has(k)) return [422, `${k}: Extra inputs are not permitted`];
  for (const m of (body.messages as Record<string, unknown>[]) ?? []) {
    const ids = [m.tool_call_id, ...((m.tool_calls as { id: unknown }[] | undefined) ?? []).map((c) => c.id)].filter(
      (x) => x !== undefined,
    );
    for (const id of ids)
      if (!TOOL_ID.test(String(id)))
        return [400, `Tool call id was ${String(id)} but must be a-z, A-Z, 0-9, with a length of 9.`];
  }
  return undefined;
}

export function startMistralFake(apiKey: string): Promise<FakeServer> {
  return startOpenAIWireFake({
    name: "mistral",
    apiKey,
    credential: (h) => String(h.authorization ?? "").replace(/^Bearer /, ""),
    checkUrl: (url) => (url.pathname === "/v1/chat/completions" ? undefined : "Not found"),
    errorBody: (status, message) => mistralErrorBody(status, message),
    validate,
    alwaysStreamUsage: true,
    toolCallId: (seq) => `T${String(seq).padStart(8, "0")}`,
    chunkDelayMs: 2,
  });
}
