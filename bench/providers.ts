import { pathToFileURL } from "node:url";
import { AnthropicStreamTranslator } from "../shared/providers/anthropic-stream";
import { BedrockStreamTranslator } from "../shared/providers/bedrock-stream";
import { CohereStreamTranslator } from "../shared/providers/cohere-response";
import { GeminiStreamTranslator } from "../shared/providers/google-response";
import { MistralStreamTranslator } from "../shared/providers/mistral-stream";
import { SsePassThrough } from "../shared/providers/sse-usage-scanner";
import type { StreamTranslator } from "../shared/providers/types";
import { anthropicStreamFrames } from "../test/fakes/anthropic-fake";
import { converseStreamFrames } from "../test/fakes/bedrock-fake";
import { cohereStreamFrames } from "../test/fakes/cohere-fake";
import { googleStreamFrames } from "../test/fakes/google-fake";
import type { ScriptedReply } from "../test/fakes/scripted-reply";

/**
 * Per-chunk cost of each streaming translator: the native stream of a 2,000-token answer (plus a tool call) is
 * pushed one upstream event per chunk, and the time per chunk is reported in microseconds. Goal: <= 50 us.
 */
const WORDS = Array.from({ length: 2000 }, (_, i) => `token${i}`);
const TEXT: ScriptedReply = { kind: "text", words: WORDS, finish: "stop" };
const ROUNDS = 20;

interface BenchCase {
  readonly name: string;
  readonly frames: readonly Buffer[];
  make(): StreamTranslator;
}

function openAIFrames(usageOnLast: boolean): Buffer[] {
  const base = '{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":';
  const frames = WORDS.map((w) => Buffer.from(`data: ${base}{"content":" ${w}"},"finish_reason":null}]}\n\n`));
  const usage = usageOnLast ? ',"usage":{"prompt_tokens":5,"completion_tokens":2000,"total_tokens":2005}' : "";
  frames.push(Buffer.from(`data: ${base}{},"finish_reason":"stop"}]${usage}}\n\n`), Buffer.from("data: [DONE]\n\n"));
  return frames;
}

function cases(): BenchCase[] {
  return [
    {
      name: "anthropic",
      frames: anthropicStreamFrames("msg_1", "claude", TEXT, 5).map((f) => Buffer.from(f)),
      make: () => new AnthropicStreamTranslator("claude", true),
    },
    {
      name: "google",
      frames: googleStreamFrames(TEXT, 5, "gemini", "r1").map((f) => Buffer.from(f)),
      make: () => new GeminiStreamTranslator("gemini", true),
    },
    {
      name: "bedrock",
      frames: converseStreamFrames(TEXT, 5, "t1"),
      make: () => new BedrockStreamTranslator("claude", "c1", true),
    },
    {
      name: "cohere",
      frames: cohereStreamFrames("co1", TEXT, 5, WORDS.length, undefined).map((f) => Buffer.from(f)),
      make: () => new CohereStreamTranslator("command", true),
    },
    { name: "mistral-ai", frames: openAIFrames(true), make: () => new MistralStreamTranslator(true) },
    { name: "openai (pass-through)", frames: openAIFrames(false), make: () => new SsePassThrough() },
  ];
}

function measure(c: BenchCase): number {
  let sink = 0;
  for (let warmUp = 0; warmUp < 3; warmUp++) {
    const t = c.make();
    for (const frame of c.frames) sink += t.push(frame).length;
    sink += t.end().length;
    if (!t.finished) throw new Error(`${c.name}: stream not finished`);
  }
  const started = process.hrtime.bigint();
  for (let round = 0; round < ROUNDS; round++) {
    const t = c.make();
    for (const frame of c.frames) sink += t.push(frame).length;
    sink += t.end().length;
  }
  const elapsedUs = Number(process.hrtime.bigint() - started) / 1000;
  if (sink < 0) throw new Error("unreachable");
  return elapsedUs / (ROUNDS * c.frames.length);
}

/** Microseconds per upstream chunk, by provider. */
export async function runProviderBench(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const c of cases()) out[c.name] = Math.round(measure(c) * 100) / 100;
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = await runProviderBench();
  console.log("stream translation cost per upstream chunk (goal <= 50 us)");
  console.table(Object.entries(results).map(([provider, us]) => ({ provider, "us/chunk": us, ok: us <= 50 })));
}
