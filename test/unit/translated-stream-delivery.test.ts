import { EventEmitter } from "node:events";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { TranslatedStream } from "../../shared/gateway/translated-stream";
import type { BodySink } from "../../shared/http/types";
import { SsePassThrough } from "../../shared/providers/sse-usage-scanner";

const event = (i: number) => `data: {"choices":[{"index":0,"delta":{"content":"tok${i} "}}]}\n\n`;
const EVENTS = Array.from({ length: 20 }, (_, i) => event(i));

/** An upstream body the test pushes into by hand (in flowing mode a push is handed over at once). */
function upstreamBody(): Readable {
  return new Readable({ read() {} });
}

/** The SSE pass-through, counting how often it is asked to translate. */
function countingTranslator(): SsePassThrough & { pushes: number } {
  const translator = new SsePassThrough() as SsePassThrough & { pushes: number };
  translator.pushes = 0;
  const push = translator.push.bind(translator);
  translator.push = (chunk: Buffer) => {
    translator.pushes++;
    return push(chunk);
  };
  return translator;
}

/** A response the test controls: records writes; `full` makes `write` report backpressure. */
class RecordingSink extends EventEmitter implements BodySink {
  readonly writes: string[] = [];
  ended = false;
  full = false;
  write(chunk: Buffer | string): boolean {
    this.writes.push(String(chunk));
    return !this.full;
  }
  end(): void {
    this.ended = true;
  }
}

function streamOver(upstream: Readable, translator = new SsePassThrough(), captured: string[] = []) {
  return new TranslatedStream({
    upstream,
    translator,
    abortUpstream: () => undefined,
    idleTimeoutMs: 5_000,
    maxEventBytes: 64 * 1024,
    onOutput: (chunk) => captured.push(String(chunk)),
  });
}

/** Commits the stream once its first event is there, as an attempt does. */
async function started(stream: TranslatedStream): Promise<StreamEndSpy> {
  const spy: StreamEndSpy = { reasons: [] };
  await stream.firstOutput;
  stream.start({ onEnd: (end) => spy.reasons.push(end.reason) });
  return spy;
}
interface StreamEndSpy {
  reasons: string[];
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("a translated stream's delivery to the client", () => {
  it("translates and writes a burst of events that arrived in one turn once, not once per event", async () => {
    const upstream = upstreamBody();
    const translator = countingTranslator();
    const captured: string[] = [];
    const stream = streamOver(upstream, translator, captured);
    upstream.push(event(-1)); // the first event commits the stream
    const ends = await started(stream);
    const sink = new RecordingSink();
    stream.writeTo(sink);
    const before = { pushes: translator.pushes, writes: sink.writes.length };
    // an HTTP client hands over one chunk per chunked-encoding frame: 20 events read in one socket read
    for (const e of EVENTS) upstream.push(e);
    upstream.push("data: [DONE]\n\n");
    upstream.push(null);
    await tick();
    expect(translator.pushes - before.pushes).toBe(1);
    expect(sink.writes.length - before.writes).toBe(1);
    // nothing lost, nothing reordered, in what the client got and in what the log captured
    const expected = [event(-1), ...EVENTS, "data: [DONE]\n\n"].join("");
    expect(sink.writes.join("")).toBe(expected);
    expect(captured.join("")).toBe(expected);
    expect(sink.ended).toBe(true);
    expect(ends.reasons).toEqual(["complete"]);
  });

  it("holds the upstream until a reader comes, then hands everything over in order, with the end", async () => {
    for (const reader of ["sink", "readable"] as const) {
      const upstream = upstreamBody();
      const stream = streamOver(upstream);
      upstream.push(EVENTS[0]);
      await started(stream);
      upstream.push(EVENTS[1]);
      upstream.push("data: [DONE]\n\n");
      upstream.push(null);
      await tick();
      const expected = `${EVENTS[0]}${EVENTS[1]}data: [DONE]\n\n`;
      if (reader === "sink") {
        expect(upstream.isPaused()).toBe(true); // nobody reads yet: the upstream waits
        const sink = new RecordingSink();
        stream.writeTo(sink);
        await tick();
        expect(sink.writes.join("")).toBe(expected);
        expect(sink.ended).toBe(true);
      } else {
        const got: string[] = [];
        for await (const chunk of stream) got.push(String(chunk));
        expect(got.join("")).toBe(expected);
      }
    }
  });

  it("pauses the upstream while the client cannot take more, and resumes it on drain", async () => {
    const upstream = upstreamBody();
    const stream = streamOver(upstream);
    upstream.push(EVENTS[0]);
    await started(stream);
    const sink = new RecordingSink();
    stream.writeTo(sink);
    sink.full = true;
    upstream.push(EVENTS[1]);
    await tick();
    expect(upstream.isPaused()).toBe(true);
    sink.full = false;
    sink.emit("drain");
    expect(upstream.isPaused()).toBe(false);
    upstream.push(EVENTS[2]);
    upstream.push("data: [DONE]\n\n");
    upstream.push(null);
    await tick();
    expect(sink.writes.join("")).toBe(`${EVENTS[0]}${EVENTS[1]}${EVENTS[2]}data: [DONE]\n\n`);
    expect(sink.ended).toBe(true);
  });

  it("still sends the events of a turn that ended with the upstream failing, then the error event", async () => {
    const upstream = upstreamBody();
    const stream = streamOver(upstream);
    upstream.push(EVENTS[0]);
    const ends = await started(stream);
    const sink = new RecordingSink();
    stream.writeTo(sink);
    upstream.push(EVENTS[1]);
    upstream.destroy(new Error("connection reset"));
    await tick();
    const sent = sink.writes.join("");
    expect(sent.startsWith(`${EVENTS[0]}${EVENTS[1]}`)).toBe(true);
    expect(sent).toContain('"code":"stream_interrupted"');
    expect(sink.ended).toBe(true);
    expect(ends.reasons).toEqual(["error"]);
  });
});
