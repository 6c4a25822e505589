/**
 * Serves a cached `chat.completion` to a streaming request: the answer is cut into `chat.completion.chunk`
 * events the way OpenAI streams them: a role delta, content (or refusal / tool-call argument) deltas, a chunk with
 * `finish_reason`, the usage chunk (`choices: []`) when `stream_options.include_usage` is set, then `[DONE]`.
 * Logprobs are not replayed (chunks carry `logprobs: null`).
 */
export interface ReplayOptions {
  readonly includeUsage: boolean;
  /** UTF-16 units per content delta (a surrogate pair is never split). */
  readonly chunkChars: number;
}

export const DEFAULT_REPLAY_CHUNK_CHARS = 32;

interface ToolCall {
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

interface Choice {
  index?: number;
  message?: { role?: string; content?: unknown; refusal?: unknown; tool_calls?: ToolCall[] };
  finish_reason?: string | null;
}

/** Returns the SSE events (each ends with a blank line), or undefined when the JSON is not a chat completion. */
export function replayAsSse(cachedJson: string, opts: ReplayOptions): string[] | undefined {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(cachedJson) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (parsed.object !== "chat.completion" || !Array.isArray(parsed.choices)) return undefined;
  const base: Record<string, unknown> = {
    id: parsed.id,
    object: "chat.completion.chunk",
    created: parsed.created,
    model: parsed.model,
  };
  if (parsed.system_fingerprint !== undefined) base.system_fingerprint = parsed.system_fingerprint;
  if (parsed.service_tier !== undefined) base.service_tier = parsed.service_tier;
  if (opts.includeUsage) base.usage = null;

  const events: string[] = [];
  const prefix = `data: ${JSON.stringify(base).slice(0, -1)},"choices":[`;
  const emit = (index: number, delta: Record<string, unknown>, finish: string | null = null) => {
    const choice = `{"index":${index},"delta":${JSON.stringify(delta)},"logprobs":null,"finish_reason":${JSON.stringify(finish)}}`;
    events.push(`${prefix}${choice}]}\n\n`);
  };
  for (const [position, choice] of (parsed.choices as Choice[]).entries()) {
    const index = typeof choice.index === "number" ? choice.index : position;
    const message = choice.message ?? {};
    const content = typeof message.content === "string" ? message.content : null;
    emit(index, { role: message.role ?? "assistant", content: content === null ? null : "" });
    for (const piece of pieces(content, opts.chunkChars)) emit(index, { content: piece });
    for (const piece of pieces(typeof message.refusal === "string" ? message.refusal : null, opts.chunkChars)) {
      emit(index, { refusal: piece });
    }
    for (const [k, call] of (message.tool_calls ?? []).entries()) {
      emit(index, {
        tool_calls: [
          {
            index: k,
            id: call.id,
            type: call.type ?? "function",
            function: { name: call.function?.name, arguments: "" },
          },
        ],
      });
      for (const piece of pieces(call.function?.arguments ?? "", opts.chunkChars)) {
        emit(index, { tool_calls: [{ index: k, function: { arguments: piece } }] });
      }
    }
    emit(index, {}, choice.finish_reason ?? "stop");
  }
  if (opts.includeUsage) events.push(sse({ ...base, choices: [], usage: parsed.usage ?? null }));
  events.push("data: [DONE]\n\n");
  return events;
}

function sse(value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`;
}

/** Splits into `size`-UTF-16-unit pieces, moving a cut that would split a surrogate pair one unit back. */
function pieces(text: string | null, size: number): string[] {
  if (!text) return [];
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    let end = Math.min(i + size, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff && end - 1 > i) end -= 1;
    out.push(text.slice(i, end));
    i = end;
  }
  return out;
}
