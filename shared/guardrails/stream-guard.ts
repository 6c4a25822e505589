import type { ErrorBody } from "../core/errors";
import type { RedactionSpan, StreamRedactor } from "./types";

/**
 * After-request hooks on a streamed answer (ADR 0032). The events flow to the client as they come; this filter
 * sees each output of the stream translator (OpenAI SSE events) and
 * - assembles the text of the first choice (chat `delta.content`, completions `text`),
 * - when a hook redacts (PII, regexReplace), holds back the last `window` characters of that text, so a value
 *   arriving over several events is replaced before any of it is sent; the rest goes out rewritten,
 * - holds `data: [DONE]`; when the upstream ends, `judge` runs the hooks on the assembled text: a deny ends the
 *   stream with an SSE error event (the OpenAI SDKs raise it) instead of `[DONE]`.
 */
export interface StreamGuardFilter {
  /** One output for the client, rewritten (held-back text removed); never throws. */
  output(out: Buffer | string): string;
  /** The upstream ended cleanly: what is left to send, or the error event to end with instead. */
  end(tail: Buffer | string): Promise<{ readonly tail: string } | { readonly error: ErrorBody }>;
}

/** Judges the assembled (original) text once the upstream ended: a deny's error body, or undefined. */
export type StreamJudge = (text: string) => Promise<ErrorBody | undefined>;

const DONE_EVENT = "data: [DONE]\n\n";

interface ChunkChoice {
  index?: number;
  text?: unknown;
  delta?: { content?: unknown; role?: unknown; tool_calls?: unknown; [k: string]: unknown };
  finish_reason?: unknown;
  [k: string]: unknown;
}

interface Chunk {
  choices?: ChunkChoice[];
  usage?: unknown;
  error?: unknown;
  [k: string]: unknown;
}

/** Applies the spans (sorted, non-overlapping kept) of one redactor to a text. */
function applySpans(text: string, spans: readonly RedactionSpan[], placeholders: Map<string, string>): string {
  let out = "";
  let at = 0;
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    if (span.start < at) continue;
    out += text.slice(at, span.start) + span.replacement(placeholders);
    at = span.end;
  }
  return out + text.slice(at);
}

export function createStreamGuardFilter(
  completions: boolean,
  redactors: readonly StreamRedactor[],
  placeholders: Map<string, string>,
  judge: StreamJudge,
): StreamGuardFilter {
  const window = redactors.length ? Math.max(...redactors.map((r) => r.maxSpan)) + 1 : 0;
  let carry = ""; // an output's incomplete last event
  let assembled = ""; // the original text of the first choice
  let pending = ""; // redacting: text received and not sent yet
  let doneSeen = false;
  let last: Chunk | undefined; // the last content chunk, as a template for the flushed text

  /** The part of `pending` that may go out now (all of it when `final`), redacted. */
  function release(final: boolean): string {
    let cut = final ? pending.length : Math.max(0, pending.length - window);
    if (!final) {
      for (let moved = true; moved && cut > 0; ) {
        moved = false;
        for (const redactor of redactors) {
          for (const span of redactor.find(pending)) {
            if (span.start < cut && span.end > cut) {
              cut = span.start;
              moved = true;
            }
          }
        }
      }
    }
    if (cut === 0) return "";
    const head = pending.slice(0, cut);
    pending = pending.slice(cut);
    let out = head;
    redactors.forEach((redactor, i) => {
      const spans = i === 0 ? redactor.find(head + pending).filter((s) => s.end <= cut) : redactor.find(out);
      if (spans.length) out = applySpans(out, spans, placeholders);
    });
    return out;
  }

  function contentOf(choice: ChunkChoice): string | undefined {
    const value = completions ? choice.text : choice.delta?.content;
    return typeof value === "string" ? value : undefined;
  }

  function rewrite(chunk: Chunk, choice: ChunkChoice, text: string): Chunk {
    const next: ChunkChoice = completions
      ? { ...choice, text }
      : { ...choice, delta: { ...choice.delta, content: text } };
    return { ...chunk, choices: (chunk.choices ?? []).map((c) => (c === choice ? next : c)) };
  }

  /** Nothing for the client in this chunk but the (emptied) content of the first choice. */
  function onlyContent(chunk: Chunk, choice: ChunkChoice): boolean {
    if ((chunk.choices?.length ?? 0) > 1 || chunk.usage) return false;
    if (choice.finish_reason !== undefined && choice.finish_reason !== null) return false;
    if (completions) return true;
    const delta = choice.delta ?? {};
    return Object.keys(delta).every((k) => k === "content");
  }

  function event(data: string): string {
    if (data === "[DONE]") {
      doneSeen = true;
      return "";
    }
    let chunk: Chunk;
    try {
      chunk = JSON.parse(data) as Chunk;
    } catch {
      return `data: ${data}\n\n`;
    }
    const choice = chunk.choices?.find((c) => (c.index ?? 0) === 0);
    const text = choice ? contentOf(choice) : undefined;
    if (!choice || text === undefined) {
      // a finish without content, a usage chunk, an error: flush what is held first (before the finish)
      if (redactors.length && pending && choice?.finish_reason) {
        return `data: ${JSON.stringify(rewrite(chunk, choice, release(true)))}\n\n`;
      }
      return `data: ${data}\n\n`;
    }
    assembled += text;
    if (!redactors.length) return `data: ${data}\n\n`;
    last = chunk;
    pending += text;
    const finished = choice.finish_reason !== undefined && choice.finish_reason !== null;
    const out = release(finished);
    if (out === "" && onlyContent(chunk, choice)) return "";
    return `data: ${JSON.stringify(rewrite(chunk, choice, out))}\n\n`;
  }

  function output(out: Buffer | string): string {
    const text = carry + (typeof out === "string" ? out : out.toString("utf8"));
    let sent = "";
    let start = 0;
    for (let end = text.indexOf("\n\n"); end !== -1; end = text.indexOf("\n\n", start)) {
      const block = text.slice(start, end);
      start = end + 2;
      const data = block
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(line.startsWith("data: ") ? 6 : 5))
        .join("\n");
      sent += data ? event(data) : `${block}\n\n`;
    }
    carry = text.slice(start);
    return sent;
  }

  return {
    output,
    async end(tail) {
      let rest = output(tail) + carry;
      carry = "";
      if (pending) {
        // the upstream never sent a finish for the first choice: the held text goes out in a chunk of its own
        const base: Chunk = last ?? { object: completions ? "text_completion" : "chat.completion.chunk" };
        const choice: ChunkChoice = completions
          ? { index: 0, text: "", finish_reason: null }
          : { index: 0, delta: {}, finish_reason: null };
        rest = `data: ${JSON.stringify(rewrite({ ...base, choices: [choice] }, choice, release(true)))}\n\n${rest}`;
      }
      const denied = await judge(assembled);
      if (denied) return { error: denied };
      return { tail: doneSeen ? `${rest}${DONE_EVENT}` : rest };
    },
  };
}
