import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AnthropicStreamTranslator } from "../../shared/providers/anthropic-stream";
import { BedrockStreamTranslator } from "../../shared/providers/bedrock-stream";
import { CohereStreamTranslator } from "../../shared/providers/cohere-response";
import { GeminiStreamTranslator } from "../../shared/providers/google-response";
import { SseParser } from "../../shared/providers/sse-parser";
import { SsePassThrough } from "../../shared/providers/sse-usage-scanner";
import type { StreamTranslator } from "../../shared/providers/types";
import { anthropicStreamFrames } from "../fakes/anthropic-fake";
import { converseStreamFrames } from "../fakes/bedrock-fake";
import { cohereStreamFrames } from "../fakes/cohere-fake";
import { googleStreamFrames } from "../fakes/google-fake";
import type { ScriptedReply } from "../fakes/scripted-reply";

/**
 * Property: a provider's native stream, split at arbitrary bytes, translates to the same OpenAI message as the
 * unsplit stream, and that message is the one the provider sent (text, tool call, finish reason, usage).
 */
interface Assembled {
  text: string;
  tools: { id: string; name: string; args: string }[];
  finish: string | null;
  usage: unknown;
  done: boolean;
  roleChunks: number;
}

interface Chunk {
  object: string;
  usage?: unknown;
  choices: {
    delta: {
      role?: string;
      content?: string;
      tool_calls?: { index: number; id?: string; function: { name?: string; arguments: string } }[];
    };
    finish_reason: string | null;
  }[];
}

function assemble(sse: string): Assembled {
  const out: Assembled = { text: "", tools: [], finish: null, usage: null, done: false, roleChunks: 0 };
  for (const event of new SseParser().push(Buffer.from(sse))) {
    if (event.data === "[DONE]") {
      out.done = true;
      continue;
    }
    const chunk = JSON.parse(event.data) as Chunk;
    expect(chunk.object).toBe("chat.completion.chunk");
    if (chunk.usage) out.usage = chunk.usage;
    for (const choice of chunk.choices) {
      if (choice.delta.role) out.roleChunks += 1;
      out.text += choice.delta.content ?? "";
      for (const call of choice.delta.tool_calls ?? []) {
        const entry = out.tools[call.index] ?? { id: "", name: "", args: "" };
        if (call.id) entry.id = call.id;
        if (call.function.name) entry.name = call.function.name;
        entry.args += call.function.arguments;
        out.tools[call.index] = entry;
      }
      if (choice.finish_reason) out.finish = choice.finish_reason;
    }
  }
  return out;
}

function run(translator: StreamTranslator, bytes: Buffer, cuts: readonly number[]): string {
  let out = "";
  let at = 0;
  for (const cut of cuts) {
    out += translator.push(bytes.subarray(at, cut)).toString();
    at = cut;
  }
  out += translator.push(bytes.subarray(at)).toString();
  out += translator.end().toString();
  expect(translator.finished).toBe(true);
  return out;
}

function cutsFor(raw: readonly number[], length: number): number[] {
  return [...new Set(raw.map((n) => n % length))].filter((n) => n > 0).sort((a, b) => a - b);
}

const word = fc.string({ unit: "grapheme", minLength: 1, maxLength: 6 }).filter((w) => !/\s/.test(w) && w.trim() === w);
const replyArb: fc.Arbitrary<ScriptedReply> = fc.oneof(
  fc.record({
    kind: fc.constant("text" as const),
    words: fc.array(word, { minLength: 1, maxLength: 10 }),
    finish: fc.constantFrom("stop" as const, "length" as const),
  }),
  fc.record({
    kind: fc.constant("tool" as const),
    preamble: fc.constant("Let me check."),
    name: fc.constantFrom("get_weather", "lookup_order"),
    args: fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.string({ maxLength: 8 }), fc.integer())),
  }),
);

interface StreamCase {
  readonly name: string;
  /** True for SSE streams (bedrock's is binary event-stream framing, which has no blank lines). */
  readonly sse: boolean;
  frames(reply: ScriptedReply): Buffer;
  translator(): StreamTranslator;
}

const PROMPT = 7;
const STREAM_CASES: readonly StreamCase[] = [
  {
    name: "anthropic",
    sse: true,
    frames: (r) => Buffer.from(anthropicStreamFrames("msg_1", "claude", r, PROMPT).join("")),
    translator: () => new AnthropicStreamTranslator("claude", true),
  },
  {
    name: "google",
    sse: true,
    frames: (r) => Buffer.from(googleStreamFrames(r, PROMPT, "gemini", "resp1").join("")),
    translator: () => new GeminiStreamTranslator("gemini", true),
  },
  {
    name: "bedrock",
    sse: false,
    frames: (r) => Buffer.concat(converseStreamFrames(r, PROMPT, "tooluse_1")),
    translator: () => new BedrockStreamTranslator("claude", "chatcmpl-1", true),
  },
  {
    name: "cohere",
    sse: true,
    frames: (r) => {
      const call =
        r.kind === "tool" ? { id: "c1", type: "function", function: { name: r.name, arguments: "" } } : undefined;
      return Buffer.from(cohereStreamFrames("co1", r, PROMPT, r.kind === "text" ? r.words.length : 5, call).join(""));
    },
    translator: () => new CohereStreamTranslator("command", true),
  },
];

describe.each(STREAM_CASES.map((c) => [c.name, c] as const))("%s stream translation", (_name, c) => {
  it("gives the same message for any chunking, and it is the message the provider sent", () => {
    fc.assert(
      fc.property(replyArb, fc.array(fc.nat(), { maxLength: 12 }), (reply, rawCuts) => {
        // Prepare
        const bytes = c.frames(reply);
        const cuts = cutsFor(rawCuts, bytes.length);

        // Act
        const whole = assemble(run(c.translator(), bytes, []));
        const split = assemble(run(c.translator(), bytes, cuts));

        // Assess
        expect(split).toEqual(whole);
        expect(whole.done).toBe(true);
        expect(whole.roleChunks).toBe(1);
        if (reply.kind === "text") {
          expect(whole.text).toBe(reply.words.join(" "));
          expect(whole.finish).toBe(reply.finish);
          expect(whole.tools).toEqual([]);
          expect(whole.usage).toMatchObject({ prompt_tokens: PROMPT, completion_tokens: reply.words.length });
        } else {
          expect(whole.finish).toBe("tool_calls");
          expect(whole.tools).toHaveLength(1);
          expect(whole.tools[0]?.name).toBe(reply.name);
          expect(whole.tools[0]?.id).toBeTruthy();
          expect(JSON.parse(whole.tools[0]?.args ?? "")).toEqual(reply.args);
        }
      }),
      { numRuns: 150 },
    );
  });

  it.skipIf(!c.sse)("delivers a last event that lacks its closing blank line (any line ending)", () => {
    fc.assert(
      fc.property(replyArb, fc.constantFrom("\n", "\r\n", "\r"), fc.boolean(), (reply, eol, keepLineEnd) => {
        // Prepare: the provider's stream in the given line ending, its final blank line (and line end) cut off
        const text = c.frames(reply).toString("utf8").replace(/\r?\n/g, eol);
        const cut = text.slice(0, text.length - (keepLineEnd ? eol.length : 2 * eol.length));

        // Act
        const whole = assemble(run(c.translator(), Buffer.from(text), []));
        const unterminated = assemble(run(c.translator(), Buffer.from(cut), []));

        // Assess
        expect(unterminated).toEqual(whole);
      }),
      { numRuns: 50 },
    );
  });

  it("reports a stream cut before its end as unfinished (the gateway then sends a truncation error)", () => {
    const bytes = c.frames({ kind: "text", words: ["a", "b", "c"], finish: "stop" });
    const translator = c.translator();
    translator.push(bytes.subarray(0, Math.floor(bytes.length / 2)));
    translator.end();
    expect(translator.finished).toBe(false);
  });
});

describe("bytes that never form an event", () => {
  // 4 MiB in 1 KiB pieces: a translator that re-joined or re-scanned its buffer on every piece did ~4 GiB of work
  // (seconds of CPU with the event loop blocked); linear work takes milliseconds.
  const pieces = 4096;
  const garbage = Buffer.alloc(1024, "x");

  it.each([
    ["the SSE pass-through", () => new SsePassThrough()],
    ["an SSE translator (anthropic)", () => new AnthropicStreamTranslator("claude", true)],
    ["the bedrock event-stream framer", () => new BedrockStreamTranslator("claude", "chatcmpl-1", true)],
  ])("cost %s time linear in their size, however they are split", (_name, make) => {
    const translator = make();
    const started = performance.now();

    for (let i = 0; i < pieces; i++) expect(translator.push(garbage).length).toBe(0);

    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe("SSE parser", () => {
  it("yields the same events for any chunking and any line ending", () => {
    const eventArb = fc.record({
      event: fc.constantFrom("", "message_start", "content-delta"),
      data: fc.string({ unit: "grapheme", maxLength: 30 }).filter((d) => !/[\r\n]/.test(d)),
    });
    const eolArb = fc.constantFrom("\n", "\r\n", "\r");
    // How the input ends: the last event with its blank line, with its line end only, or with neither (a stream
    // whose last event lacks the closing blank line: `end()` must still deliver it).
    const tailArb = fc.constantFrom("blank line", "line end", "nothing");
    fc.assert(
      fc.property(
        fc.array(eventArb, { minLength: 1, maxLength: 8 }),
        eolArb,
        tailArb,
        fc.array(fc.nat()),
        (events, eol, tail, raw) => {
          const full = events
            .map((e) => `${e.event ? `event: ${e.event}${eol}` : ""}: comment${eol}data: ${e.data}${eol}${eol}`)
            .join("");
          const cut = tail === "blank line" ? 0 : tail === "line end" ? eol.length : 2 * eol.length;
          const text = full.slice(0, full.length - cut);
          const bytes = Buffer.from(text);
          const parser = new SseParser();
          const got = [];
          let at = 0;
          for (const cut of cutsFor(raw, bytes.length)) {
            got.push(...parser.push(bytes.subarray(at, cut)));
            at = cut;
          }
          got.push(...parser.push(bytes.subarray(at)), ...parser.end());
          expect(got).toEqual(events.map((e) => ({ event: e.event, data: e.data })));
        },
      ),
      { numRuns: 300 },
    );
  });
});
