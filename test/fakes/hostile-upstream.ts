import type { ServerResponse } from "node:http";
import { anthropicStreamFrames } from "./anthropic-fake";
import { converseStreamFrames } from "./bedrock-fake";
import { cohereStreamFrames } from "./cohere-fake";
import { type FakeContext, type FakeServer, sleep, startFakeServer } from "./fake-server";
import { googleStreamFrames } from "./google-fake";

/**
 * An upstream an attacker controls (a custom host): it answers whatever the test scripts, on loopback. Every
 * script's waits end when the gateway hangs up, so no test leaves a response open behind it.
 */
export interface HostileUpstream extends FakeServer {
  /** What the next requests get. */
  script: (ctx: FakeContext) => Promise<void>;
  /** Requests whose connection the gateway closed before the upstream finished its answer. */
  readonly hungUp: number;
}

export async function startHostileUpstream(): Promise<HostileUpstream> {
  // one flag per response since the last reset (a late close of an earlier test's response does not count)
  let responses: { hungUp: boolean }[] = [];
  const upstream: FakeServer = await startFakeServer(async (ctx) => {
    const entry = { hungUp: false };
    responses.push(entry);
    ctx.res.once("close", () => {
      entry.hungUp = !ctx.res.writableFinished;
    });
    await (upstream as HostileUpstream).script(ctx);
  });
  const hostile = upstream as HostileUpstream;
  hostile.script = async () => undefined;
  Object.defineProperty(hostile, "hungUp", { get: () => responses.filter((r) => r.hungUp).length });
  const reset = upstream.reset;
  hostile.reset = () => {
    reset();
    responses = [];
  };
  return hostile;
}

/** Resolves when the gateway closes the response (or after `maxMs`, so a script never outlives its test). */
export function untilClosed(res: ServerResponse, maxMs = 10_000): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, maxMs);
    res.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Writes `chunk` every `everyMs` until the gateway hangs up (a trickle that never forms an event). */
export async function trickle(res: ServerResponse, chunk: string, everyMs: number, maxMs = 10_000): Promise<void> {
  const until = Date.now() + maxMs;
  while (!res.destroyed && Date.now() < until) {
    res.write(chunk);
    await sleep(everyMs);
  }
}

/** How to reach each streaming provider at a custom host, and a first event in its native format. */
export interface StreamingProvider {
  readonly id: string;
  readonly model: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly contentType: string;
  /** A valid first event: the translator turns it into output for the client. */
  readonly firstEvent: Buffer;
}

const REPLY = { kind: "text" as const, words: ["hello", "there"], finish: "stop" as const };

export const STREAMING_PROVIDERS: readonly StreamingProvider[] = [
  {
    id: "openai",
    model: "gpt-4o-mini",
    headers: {},
    contentType: "text/event-stream",
    firstEvent: Buffer.from(`data: ${openAIChunk("hello")}\n\n`),
  },
  {
    id: "anthropic",
    model: "claude-3-5-haiku-20241022",
    headers: {},
    contentType: "text/event-stream",
    firstEvent: Buffer.from(anthropicStreamFrames("msg_1", "claude", REPLY, 3)[0] as string),
  },
  {
    id: "google",
    model: "gemini-2.0-flash",
    headers: {},
    contentType: "text/event-stream",
    firstEvent: Buffer.from(googleStreamFrames(REPLY, 3, "gemini-2.0-flash", "r1")[0] as string),
  },
  {
    id: "bedrock",
    model: "anthropic.claude-3-haiku-20240307-v1:0",
    headers: {
      "x-portkey-aws-region": "eu-west-1",
      "x-portkey-aws-access-key-id": "AKIAFAKEFAKEFAKE",
      "x-portkey-aws-secret-access-key": "fake/secret/key",
    },
    contentType: "application/vnd.amazon.eventstream",
    firstEvent: converseStreamFrames(REPLY, 3, "tooluse_1")[0] as Buffer,
  },
  {
    id: "cohere",
    model: "command-a-03-2025",
    headers: {},
    contentType: "text/event-stream",
    firstEvent: Buffer.from(cohereStreamFrames("co1", REPLY, 3, 2, undefined)[0] as string),
  },
  {
    id: "mistral-ai",
    model: "mistral-small-latest",
    headers: {},
    contentType: "text/event-stream",
    firstEvent: Buffer.from(`data: ${openAIChunk("hello")}\n\n`),
  },
];

/** One `chat.completion.chunk` with `content`, as OpenAI streams it. */
export function openAIChunk(content: string, finish: string | null = null): string {
  return JSON.stringify({
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1,
    model: "gpt-4o-mini",
    choices: [{ index: 0, delta: { content }, finish_reason: finish }],
  });
}
