import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BedrockClaudeStream,
  countTokensModel,
  invokeModelBody,
  servesClaude,
} from "../../shared/providers/bedrock-claude-messages";
import type { TransformContext } from "../../shared/providers/types";
import { claudeChunkFrame, claudeExceptionFrame } from "../fakes/bedrock-claude-fake";

/** Claude on Bedrock's InvokeModel: the body it is sent, the model ids it takes, and its stream read back. */
function ctx(body: Record<string, unknown>, options: Record<string, string> = {}): TransformContext {
  return {
    endpoint: "messages",
    target: { provider: "bedrock", options },
    body,
    rawBody: Buffer.from(JSON.stringify(body)),
    bodyChanged: false,
  };
}

const EVENTS: Record<string, unknown>[] = [
  {
    type: "message_start",
    message: {
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-5",
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 10, cache_read_input_tokens: 4, cache_creation_input_tokens: 0, output_tokens: 1 },
    },
  },
  { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
  { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hello, world" } },
  { type: "content_block_stop", index: 0 },
  { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 3 } },
];
const METRICS = { inputTokenCount: 10, outputTokenCount: 3, invocationLatency: 100, firstByteLatency: 20 };
const STOP = { type: "message_stop", "amazon-bedrock-invocationMetrics": METRICS };

function expectedSse(events: readonly Record<string, unknown>[]): string {
  return events.map((e) => `event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`).join("");
}

function run(translator: BedrockClaudeStream, bytes: Buffer, cuts: readonly number[]): string {
  let out = "";
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    out += translator.push(bytes.subarray(from, cut));
    from = cut;
  }
  return out + translator.end();
}

describe("the InvokeModel body", () => {
  it("is the client's body without model and stream, with Bedrock's version and the betas as a list", () => {
    // Act
    const body = invokeModelBody(
      ctx(
        { model: "anthropic.claude-x", stream: true, max_tokens: 8, messages: [], top_k: 3 },
        { anthropicBeta: "a-1, b-2", anthropicVersion: "2023-06-01" },
      ),
    );

    // Assess
    expect(body).toEqual({
      anthropic_version: "bedrock-2023-05-31",
      anthropic_beta: ["a-1", "b-2"],
      max_tokens: 8,
      messages: [],
      top_k: 3,
    });
  });
});

describe("which requests go to Claude natively", () => {
  it.each([
    ["anthropic.claude-3-5-haiku-20241022-v1:0", true],
    ["us.anthropic.claude-sonnet-4-5-20250929-v1:0", true],
    ["global.anthropic.claude-sonnet-4-5-20250929-v1:0", true],
    ["arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.anthropic.claude-3-7-sonnet-20250219-v1:0", true],
    ["arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0", true],
    ["amazon.nova-lite-v1:0", false],
    ["meta.llama3-1-8b-instruct-v1:0", false],
    // an application inference profile does not name its model: Converse serves it (Claude included)
    ["arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3", false],
  ])("%s: %s", (model, native) => {
    expect(servesClaude(ctx({ model }))).toBe(native);
  });

  it.each([
    ["us.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-sonnet-4-5-20250929-v1:0"],
    ["anthropic.claude-3-haiku-20240307-v1:0", "anthropic.claude-3-haiku-20240307-v1:0"],
    [
      "arn:aws:bedrock:us-east-1:1:inference-profile/apac.anthropic.claude-3-7-sonnet-20250219-v1:0",
      "anthropic.claude-3-7-sonnet-20250219-v1:0",
    ],
  ])("CountTokens names %s as its foundation model %s", (model, foundation) => {
    expect(countTokensModel(model)).toBe(foundation);
  });
});

describe("the InvokeModelWithResponseStream stream", () => {
  const bytes = Buffer.concat([...EVENTS, STOP].map((e) => claudeChunkFrame(e)));

  it("gives Anthropic's events, without Bedrock's metrics, however the frames are split", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(bytes.length), { maxLength: 16 }), (rawCuts) => {
        // Prepare
        const cuts = [...new Set(rawCuts)].sort((a, b) => a - b);
        const translator = new BedrockClaudeStream("us.anthropic.claude-x-v1:0");

        // Act
        const out = run(translator, bytes, cuts);

        // Assess
        expect(out).toBe(expectedSse([...EVENTS, { type: "message_stop" }]));
        expect(translator.finished).toBe(true);
        expect(translator.error).toBeUndefined();
        expect(translator.model).toBe("us.anthropic.claude-x-v1:0");
        expect(translator.usage).toEqual({
          prompt_tokens: 14,
          completion_tokens: 3,
          total_tokens: 17,
          cached_tokens: 4,
          cache_creation_tokens: 0,
        });
      }),
      { numRuns: 100 },
    );
  });

  it("takes the usage from the invocation metrics when the events carry none", () => {
    // Prepare
    const bare = [{ ...EVENTS[0], message: { id: "m", type: "message", content: [] } }, ...EVENTS.slice(1, 4)];
    const frames = Buffer.concat(
      [...bare, { type: "message_delta", delta: { stop_reason: "end_turn" } }, STOP].map(claudeChunkFrame),
    );
    const translator = new BedrockClaudeStream("anthropic.claude-x");

    // Act
    run(translator, frames, []);

    // Assess
    expect(translator.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 3 });
  });

  it.each([
    ["throttlingException", "rate_limit_error"],
    ["modelStreamErrorException", "api_error"],
    ["serviceUnavailableException", "overloaded_error"],
    ["validationException", "invalid_request_error"],
  ])("turns a %s frame into Anthropic's %s error event and ends", (exception, type) => {
    // Prepare
    const translator = new BedrockClaudeStream("anthropic.claude-x");
    const frames = Buffer.concat([claudeChunkFrame(EVENTS[0] ?? {}), claudeExceptionFrame(exception, "went wrong")]);

    // Act
    const out = run(translator, frames, []);

    // Assess
    expect(
      out.endsWith(`event: error\ndata: {"type":"error","error":{"type":"${type}","message":"went wrong"}}\n\n`),
    ).toBe(true);
    expect(translator.finished).toBe(true);
    expect(translator.error?.error).toMatchObject({ type, message: "went wrong" });
    expect(translator.push(claudeChunkFrame(EVENTS[1] ?? {}))).toBe("");
  });
});
