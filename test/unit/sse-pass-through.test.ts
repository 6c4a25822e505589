import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SsePassThrough } from "../../shared/providers/sse-usage-scanner";

function openAIStream(words: string[], withUsage: boolean): string {
  const base = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini" };
  const events = words.map((w) => ({ ...base, choices: [{ index: 0, delta: { content: w }, finish_reason: null }] }));
  if (withUsage) {
    events.push({
      ...base,
      choices: [],
      usage: { prompt_tokens: 3, completion_tokens: words.length, total_tokens: 3 + words.length },
    } as never);
  }
  return `${events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join("")}data: [DONE]\n\n`;
}

function feed(translator: SsePassThrough, bytes: Buffer, cuts: number[]): Buffer {
  const out: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    out.push(Buffer.from(translator.push(bytes.subarray(from, cut))));
    from = cut;
  }
  out.push(Buffer.from(translator.end()));
  return Buffer.concat(out);
}

describe("SsePassThrough", () => {
  it("forwards the stream byte for byte and reads usage, model and [DONE] wherever it is split", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 10 }),
        (words, withUsage, rawCuts) => {
          // Prepare
          const bytes = Buffer.from(openAIStream(words, withUsage));
          const cuts = [...new Set(rawCuts.map((c) => c % bytes.length))].sort((a, b) => a - b);
          const translator = new SsePassThrough();
          // Act
          const out = feed(translator, bytes, cuts);
          // Assess
          expect(out.equals(bytes)).toBe(true);
          expect(translator.finished).toBe(true);
          expect(translator.model).toBe("gpt-4o-mini");
          expect(translator.usage?.completion_tokens).toBe(withUsage ? words.length : undefined);
        },
      ),
    );
  });

  it("only ever emits whole events, so an error event can follow cleanly", () => {
    const translator = new SsePassThrough();
    const first = translator.push(Buffer.from('data: {"a":1}\n\ndata: {"b":'));
    expect(first.toString()).toBe('data: {"a":1}\n\n');
    expect(translator.push(Buffer.from("2}\n")).length).toBe(0);
    expect(translator.push(Buffer.from("\n")).toString()).toBe('data: {"b":2}\n\n');
  });

  it("handles CRLF event separators", () => {
    const translator = new SsePassThrough();
    expect(translator.push(Buffer.from('data: {"a":1}\r\n\r\ndata: [DONE]\r\n\r\n')).toString()).toContain("[DONE]");
    expect(translator.finished).toBe(true);
  });

  it.each([
    ["the answer's text", 'data: {"choices":[{"delta":{"content":"data: [DONE]"}}]}\n\n'],
    ["a multi-line event", "data: x\ndata: [DONE]\n\n"],
    ["a longer data line", "data: [DONE] and more\n\n"],
    ["a comment", ": data: [DONE]\n\n"],
  ])("is not finished by [DONE] inside %s (only a terminal event ends the stream)", (_name, event) => {
    const translator = new SsePassThrough();
    translator.push(Buffer.from(`data: {"a":1}\n\n${event}`));
    translator.end();
    expect(translator.finished).toBe(false);
  });

  it.each([
    ["data: [DONE]\n\n", "LF"],
    ["data:[DONE]\r\n\r\n", "CRLF, no space"],
    ["data: [DONE]\r\r", "CR"],
    ["data: [DONE]", "no closing blank line at the end of the stream"],
    ["data: [DONE]\n", "one line end at the end of the stream"],
  ])("is finished by a terminal event %j (%s)", (done) => {
    const translator = new SsePassThrough();
    translator.push(Buffer.from('data: {"a":1}\n\n'));
    translator.push(Buffer.from(done));
    translator.end();
    expect(translator.finished).toBe(true);
  });

  it("is not finished when the stream lacks [DONE]", () => {
    const translator = new SsePassThrough();
    translator.push(Buffer.from('data: {"a":1}\n\n'));
    translator.end();
    expect(translator.finished).toBe(false);
  });
});

describe("SsePassThrough with stripUsageChunk (usage the gateway asked for, the client did not)", () => {
  it("reads the usage but removes the usage-only chunk from what the client gets, wherever the stream splits", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 8 }), (rawCuts) => {
        // Prepare
        const bytes = Buffer.from(openAIStream(["a", "b", "c"], true));
        const cuts = [...new Set(rawCuts.map((c) => c % bytes.length))].sort((a, b) => a - b);
        const translator = new SsePassThrough({ stripUsageChunk: true });
        // Act
        const out = feed(translator, bytes, cuts).toString("utf8");
        // Assess
        expect(translator.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 3 });
        expect(out).not.toContain('"usage"');
        expect(out).toBe(openAIStream(["a", "b", "c"], false));
      }),
    );
  });

  it("removes only usage-only events, keeps every other byte in order (usage on a text event, CRLF, several per turn)", () => {
    const base = { id: "c", object: "chat.completion.chunk", created: 1, model: "m" };
    const usage = { prompt_tokens: 2, completion_tokens: 5, total_tokens: 7 };
    const kinds = ["text", "textNullUsage", "textWithUsage", "usageOnly", "comment"] as const;
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...kinds), { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 6 }),
        (picked, crlf, rawCuts) => {
          // Prepare: events of each kind, knowing which ones the client must not get
          const eol = crlf ? "\r\n" : "\n";
          const events = picked.map((kind, i) => {
            const text = { ...base, choices: [{ index: 0, delta: { content: `w${i}` }, finish_reason: null }] };
            const data =
              kind === "text"
                ? text
                : kind === "textNullUsage"
                  ? { ...text, usage: null }
                  : kind === "textWithUsage"
                    ? { ...text, usage }
                    : kind === "usageOnly"
                      ? { ...base, choices: [], usage }
                      : undefined;
            const body = data === undefined ? `: keep-alive ${i}` : `data: ${JSON.stringify(data)}`;
            return { kind, text: `${body}${eol}${eol}` };
          });
          const done = `data: [DONE]${eol}${eol}`;
          const bytes = Buffer.from(events.map((e) => e.text).join("") + done);
          const cuts = [...new Set(rawCuts.map((c) => c % bytes.length))].sort((a, b) => a - b);
          const translator = new SsePassThrough({ stripUsageChunk: true });
          // Act
          const out = feed(translator, bytes, cuts).toString("utf8");
          // Assess
          const expected = `${events
            .filter((e) => e.kind !== "usageOnly")
            .map((e) => e.text)
            .join("")}${done}`;
          expect(out).toBe(expected);
          if (picked.includes("usageOnly") || picked.includes("textWithUsage")) {
            expect(translator.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 5 });
          } else {
            expect(translator.usage).toBeUndefined();
          }
        },
      ),
    );
  });
});
