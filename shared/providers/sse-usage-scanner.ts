import type { StreamTranslator, Usage } from "./types";

/** Reads OpenAI's `usage` object (incl. cached and reasoning token details) into our `Usage`. */
export function readOpenAIUsage(value: unknown): Usage | undefined {
  if (!value || typeof value !== "object") return undefined;
  const u = value as Record<string, unknown>;
  const prompt = num(u.prompt_tokens) ?? num(u.input_tokens) ?? 0;
  const completion = num(u.completion_tokens) ?? num(u.output_tokens) ?? 0;
  const usage: Usage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: num(u.total_tokens) ?? prompt + completion,
  };
  // chat completions name the details after prompt/completion, the Responses API after input/output
  const cached = num(detail(u.prompt_tokens_details ?? u.input_tokens_details, "cached_tokens"));
  if (cached !== undefined) usage.cached_tokens = cached;
  const reasoning = num(detail(u.completion_tokens_details ?? u.output_tokens_details, "reasoning_tokens"));
  if (reasoning !== undefined) usage.reasoning_tokens = reasoning;
  return usage;
}

/** Any number, even negative or infinite (`1e400`): the gateway core bounds usage (shared/limits/usage-bounds.ts). */
function num(v: unknown): number | undefined {
  return typeof v === "number" && !Number.isNaN(v) ? v : undefined;
}

function detail(obj: unknown, key: string): unknown {
  return obj && typeof obj === "object" ? (obj as Record<string, unknown>)[key] : undefined;
}

const EMPTY = Buffer.alloc(0);
const LF_LF = Buffer.from("\n\n");
const CRLF_CRLF = Buffer.from("\r\n\r\n");
/** The key of a `usage` member, as it appears in a JSON answer or event. */
export const USAGE_KEY = Buffer.from('"usage":');
const DONE = Buffer.from("[DONE]");
const MODEL_RE = /^"model"\s*:\s*"([^"]*)"/;
const MODEL_KEY = Buffer.from('"model"');
/** Bytes decoded after a `"model"` key to read its value: a model id is far shorter. */
const MODEL_WINDOW = 256;
/** How far into a batch of events the model is looked for (it is in every chunk, near its start). */
const MODEL_SEARCH_BYTES = 2048;

/**
 * The first `"model": "..."` in the first `MODEL_SEARCH_BYTES` of `events`. Only a small window after each key is
 * decoded: decoding the whole prefix cost a 2 KB string per stream for a value of a few bytes.
 */
function modelIn(events: Buffer): string | undefined {
  // keys are searched for in the head only; a value may run past it
  const head = events.subarray(0, MODEL_SEARCH_BYTES + MODEL_KEY.length);
  for (let at = head.indexOf(MODEL_KEY); at !== -1; at = head.indexOf(MODEL_KEY, at + 1)) {
    const m = MODEL_RE.exec(events.toString("utf8", at, Math.min(events.length, at + MODEL_WINDOW)));
    if (m) return m[1];
  }
  return undefined;
}

const LF = 0x0a;
const CR = 0x0d;

/** Index just past the last complete SSE event (blank-line terminated) in `buf`, or 0 when there is none. */
export function lastEventBoundary(buf: Buffer): number {
  const n = buf.length;
  // Fast path: upstreams usually send whole events, so the chunk ends on the blank line.
  if (n >= 2 && buf[n - 1] === LF && buf[n - 2] === LF) return n;
  if (n >= 4 && buf[n - 1] === LF && buf[n - 2] === CR && buf[n - 3] === LF && buf[n - 4] === CR) return n;
  const lf = buf.lastIndexOf(LF_LF);
  const crlf = buf.lastIndexOf(CRLF_CRLF);
  return Math.max(lf === -1 ? 0 : lf + 2, crlf === -1 ? 0 : crlf + 4);
}

/** True when `chunk`, after held bytes ending in `tail` (at most 3), holds or completes a blank line. */
function completesEvent(tail: Buffer, chunk: Buffer): boolean {
  if (chunk.includes(LF_LF) || chunk.includes(CRLF_CRLF)) return true;
  const seam = Buffer.concat([tail, chunk.subarray(0, 3)]);
  return seam.includes(LF_LF) || seam.includes(CRLF_CRLF);
}

function isLineBreak(byte: number | undefined): boolean {
  return byte === LF || byte === CR;
}

/**
 * True when `events` (whole events, starting at an event boundary) holds OpenAI's terminal event: a line that is
 * exactly `data: [DONE]` (or `data:[DONE]`) and is an event of its own. `[DONE]` inside an answer's text, a comment,
 * a longer line or a multi-line event does not count, so a cut stream never passes as complete. The end of the
 * input counts as the event's end (the last event of a stream may lack its blank line).
 */
export function hasDoneEvent(events: Buffer): boolean {
  for (let at = events.indexOf(DONE); at !== -1; at = events.indexOf(DONE, at + DONE.length)) {
    let start = events[at - 1] === 0x20 ? at - 1 : at;
    if (start < 5 || events.toString("latin1", start - 5, start) !== "data:") continue;
    start -= 5;
    // before: the start of the input, or a line break that ends a blank line (or follows only the input's start)
    if (start > 0) {
      let i = start - 1;
      if (!isLineBreak(events[i])) continue;
      i -= events[i] === LF && events[i - 1] === CR ? 2 : 1;
      if (i >= 0 && !isLineBreak(events[i])) continue;
    }
    // after: the end of the input, or a line break followed by another one (or by the input's end)
    let j = at + DONE.length;
    if (j === events.length) return true;
    if (!isLineBreak(events[j])) continue;
    j += events[j] === CR && events[j + 1] === LF ? 2 : 1;
    if (j === events.length || isLineBreak(events[j])) return true;
  }
  return false;
}

const NONE: readonly number[] = [];

/**
 * Positions of each `"usage":` in `buf` that is followed by an object (in order). With `include_usage`, every
 * OpenAI chunk carries `"usage":null`; only the final one has numbers, and only that one is worth parsing.
 */
function usageObjectsIn(buf: Buffer): readonly number[] {
  let found: number[] | undefined;
  let at = buf.indexOf(USAGE_KEY);
  while (at !== -1) {
    let i = at + USAGE_KEY.length;
    while (buf[i] === 0x20) i++;
    if (buf[i] === 0x7b) {
      found ??= [];
      found.push(at);
    }
    at = buf.indexOf(USAGE_KEY, i);
  }
  return found ?? NONE;
}

/** The event around `at`: from just past the blank line before it (or 0) to just past the one after it (or the end). */
function eventAround(events: Buffer, at: number): { start: number; end: number } {
  const start = lastEventBoundary(events.subarray(0, at));
  const nextLf = events.indexOf(LF_LF, at);
  const nextCrlf = events.indexOf(CRLF_CRLF, at);
  const end = Math.min(nextLf === -1 ? events.length : nextLf + 2, nextCrlf === -1 ? events.length : nextCrlf + 4);
  return { start, end };
}

/**
 * Removes events whose data is a usage-only chunk (`"choices":[]` with a usage object). Once per stream: only the
 * events around a usage object are decoded and parsed; the rest of the turn's bytes are kept as they are.
 */
function withoutUsageOnlyEvents(events: Buffer, usageAt: readonly number[]): Buffer {
  const kept: Buffer[] = [];
  let copied = 0;
  let lookedTo = 0;
  for (const at of usageAt) {
    if (at < lookedTo) continue; // inside an event already looked at
    const { start, end } = eventAround(events, at);
    lookedTo = end;
    const data = /^data:\s?(.*)$/m.exec(events.toString("utf8", start, end))?.[1];
    let usageOnly = false;
    try {
      const parsed = JSON.parse(data ?? "") as { choices?: unknown[]; usage?: unknown };
      usageOnly = Array.isArray(parsed.choices) && parsed.choices.length === 0 && Boolean(parsed.usage);
    } catch {
      // not a JSON event: kept as it came
    }
    if (usageOnly) {
      kept.push(events.subarray(copied, start));
      copied = end;
    }
  }
  if (copied === 0) return events;
  kept.push(events.subarray(copied));
  return Buffer.concat(kept);
}

/**
 * Pass-through translator for OpenAI-format SSE. Bytes are forwarded unchanged but only in whole events, so
 * that a failure mid-stream can be reported with a clean SSE error event instead of a half-written one. On the
 * side it reads the `model`, the `usage` (final chunk) and notices the `data: [DONE]` event; only events that mention
 * usage are JSON-parsed.
 */
export class SsePassThrough implements StreamTranslator {
  usage: Usage | undefined;
  model: string | undefined;
  finished = false;
  /** The start of an event not complete yet, in the pieces it came in (joined once, when the event completes). */
  private carry: Buffer[] = [];
  /** The last bytes of `carry` (at most 3), where a blank line may begin that the next chunk completes. */
  private carryTail: Buffer = EMPTY;
  private readonly stripUsageChunk: boolean;

  /** `stripUsageChunk`: the gateway asked for usage the client did not; drop the usage-only chunk (`choices: []`). */
  constructor(options: { stripUsageChunk?: boolean } = {}) {
    this.stripUsageChunk = options.stripUsageChunk ?? false;
  }

  push(chunk: Buffer): Buffer {
    let buf = chunk;
    if (this.carry.length) {
      // Linear in the event's size however it is split: the pieces are joined only once a blank line arrives.
      if (!completesEvent(this.carryTail, chunk)) {
        this.hold(chunk);
        return EMPTY;
      }
      buf = Buffer.concat([...this.carry, chunk]);
      this.carry = [];
      this.carryTail = EMPTY;
    }
    const boundary = lastEventBoundary(buf);
    if (boundary === 0) {
      this.hold(buf);
      return EMPTY;
    }
    if (boundary < buf.length) this.hold(buf.subarray(boundary));
    const events = boundary === buf.length ? buf : buf.subarray(0, boundary);
    // the usage objects are found once: read by `scan`, and the usage-only event among them removed when asked
    const usageAt = usageObjectsIn(events);
    this.scan(events, usageAt);
    return this.stripUsageChunk && usageAt.length > 0 ? withoutUsageOnlyEvents(events, usageAt) : events;
  }

  /** The upstream ended: forward whatever is left (a final event without its blank line). */
  end(): Buffer {
    const rest = this.carry.length === 1 ? (this.carry[0] as Buffer) : Buffer.concat(this.carry);
    this.carry = [];
    this.carryTail = EMPTY;
    if (rest.length) this.scan(rest, usageObjectsIn(rest));
    return rest;
  }

  private hold(piece: Buffer): void {
    this.carry.push(piece);
    this.carryTail =
      piece.length >= 3 ? piece.subarray(piece.length - 3) : Buffer.concat([this.carryTail, piece]).subarray(-3);
  }

  /** Reads the model, the `[DONE]` event and the usage (from the lines at `usageAt`, see `usageObjectsIn`). */
  private scan(events: Buffer, usageAt: readonly number[]): void {
    if (this.model === undefined) this.model = modelIn(events);
    if (!this.finished && hasDoneEvent(events)) this.finished = true;
    // only the lines holding a usage object are decoded and parsed (once per stream), not the whole turn
    let parsedTo = -1;
    for (const at of usageAt) {
      if (at < parsedTo) continue; // on a line already parsed
      const lineStart = events.lastIndexOf(LF, at) + 1;
      let lineEnd = events.indexOf(LF, at);
      if (lineEnd === -1) lineEnd = events.length;
      parsedTo = lineEnd;
      if (events.toString("latin1", lineStart, lineStart + 5) !== "data:") continue;
      try {
        const event = JSON.parse(events.toString("utf8", lineStart + 5, lineEnd)) as { usage?: unknown };
        const usage = readOpenAIUsage(event.usage);
        if (usage) this.usage = usage;
      } catch {
        // not a JSON event: forwarded as is, nothing to read
      }
    }
  }
}
