import { fromUtf8 } from "@smithy/util-utf8";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anthropicAdapter } from "../../shared/providers/anthropic";
import { bedrockAdapter } from "../../shared/providers/bedrock";
import { EVENT_STREAM_CODEC } from "../../shared/providers/bedrock-stream";
import { googleAdapter } from "../../shared/providers/google";
import { readProviderOptions } from "../../shared/providers/provider-options";
import type { ProviderTarget, TransformContext } from "../../shared/providers/types";
import { converseStreamFrames } from "../fakes/bedrock-fake";
import { googleStreamFrames } from "../fakes/google-fake";
import type { ScriptedReply } from "../fakes/scripted-reply";
import { thrown } from "../support/thrown";

function ctx(body: Record<string, unknown>, target: Partial<ProviderTarget> = {}): TransformContext {
  return {
    endpoint: "chat",
    target: { provider: "anthropic", apiKey: "key", ...target },
    body,
    rawBody: Buffer.from(JSON.stringify(body)),
    bodyChanged: false,
  };
}

function bodyOf(req: { body?: string | Buffer }): Record<string, unknown> {
  return JSON.parse(String(req.body)) as Record<string, unknown>;
}

const hello = { model: "claude-sonnet-4-5", messages: [{ role: "user", content: "hi" }] };
const lax = { options: readProviderOptions({ "x-portkey-strict-open-ai-compliance": "false" }) };

/** Anthropic SSE frames, one string per event. */
function sse(events: Record<string, unknown>[]): string {
  return events.map((e) => `event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`).join("");
}

const THINKING_STREAM = sse([
  {
    type: "message_start",
    message: { id: "msg_1", model: "claude-sonnet-4-5", usage: { input_tokens: 10, output_tokens: 1 } },
  },
  { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "", signature: "" } },
  { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "Let me think" } },
  { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: " about it." } },
  { type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "sig-abc" } },
  { type: "content_block_stop", index: 0 },
  { type: "content_block_start", index: 1, content_block: { type: "text", text: "" } },
  { type: "content_block_delta", index: 1, delta: { type: "text_delta", text: "Answer." } },
  { type: "content_block_stop", index: 1 },
  { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 20 } },
  { type: "message_stop" },
]);

/** The `delta` objects of the chunks a translator wrote. */
function deltas(out: string): Record<string, unknown>[] {
  return out
    .split("\n\n")
    .filter((l) => l.startsWith("data: {"))
    .map((l) => JSON.parse(l.slice(6)) as { choices: { delta: Record<string, unknown> }[] })
    .flatMap((c) => c.choices.map((ch) => ch.delta));
}

function translate(raw: string, c: TransformContext, splitAt?: number): string {
  const t = anthropicAdapter.createStreamTranslator(c);
  const bytes = Buffer.from(raw);
  if (splitAt === undefined) return String(t.push(bytes)) + String(t.end());
  return String(t.push(bytes.subarray(0, splitAt))) + String(t.push(bytes.subarray(splitAt))) + String(t.end());
}

describe("anthropic extended thinking: request", () => {
  it("passes Portkey's `thinking` parameter through and raises max_tokens above the budget", () => {
    const thinking = { type: "enabled", budget_tokens: 2000 };
    const req = anthropicAdapter.toRequest(ctx({ ...hello, thinking }));
    const body = bodyOf(req);
    expect(body.thinking).toEqual(thinking);
    expect(body.max_tokens).toBeGreaterThan(2000);
    expect(req.droppedParams).toEqual([]);
  });

  it("maps reasoning_effort to a thinking budget (low 1024, medium 4096, high 16384; none = off)", () => {
    const budget = (effort: string) => bodyOf(anthropicAdapter.toRequest(ctx({ ...hello, reasoning_effort: effort })));
    expect(budget("low").thinking).toEqual({ type: "enabled", budget_tokens: 1024 });
    expect(budget("medium").thinking).toEqual({ type: "enabled", budget_tokens: 4096 });
    expect(budget("high").thinking).toEqual({ type: "enabled", budget_tokens: 16384 });
    expect(budget("high").max_tokens).toBe(16384 + 4096);
    expect(budget("none").thinking).toBeUndefined();
    const capped = bodyOf(anthropicAdapter.toRequest(ctx({ ...hello, reasoning_effort: "high", max_tokens: 3000 })));
    expect(capped).toMatchObject({ max_tokens: 3000, thinking: { type: "enabled", budget_tokens: 2999 } });
    expect(anthropicAdapter.toRequest(ctx({ ...hello, reasoning_effort: "high" })).droppedParams).toEqual([]);
  });

  it("refuses a reasoning_effort it cannot honour with a 400 naming the parameter", () => {
    expect(thrown(() => anthropicAdapter.toRequest(ctx({ ...hello, reasoning_effort: "huge" }))).param).toBe(
      "reasoning_effort",
    );
    const small = thrown(() => anthropicAdapter.toRequest(ctx({ ...hello, reasoning_effort: "low", max_tokens: 500 })));
    expect(small.statusCode).toBe(400);
    expect(small.param).toBe("max_tokens");
    expect(thrown(() => anthropicAdapter.toRequest(ctx({ ...hello, thinking: "yes" }))).param).toBe("thinking");
  });

  it("sends the assistant's thinking blocks back first, so a tool-use conversation can continue", () => {
    const messages = [
      { role: "user", content: "weather?" },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "I should call the tool.", signature: "sig-1" },
          { type: "redacted_thinking", data: "opaque" },
        ],
        tool_calls: [{ id: "toolu_1", type: "function", function: { name: "weather", arguments: '{"city":"Oslo"}' } }],
      },
      { role: "tool", tool_call_id: "toolu_1", content: "sunny" },
    ];
    const body = bodyOf(
      anthropicAdapter.toRequest(ctx({ ...hello, messages, thinking: { type: "enabled", budget_tokens: 1024 } })),
    );
    const turns = body.messages as { role: string; content: Record<string, unknown>[] }[];
    expect(turns[1]?.content).toEqual([
      { type: "thinking", thinking: "I should call the tool.", signature: "sig-1" },
      { type: "redacted_thinking", data: "opaque" },
      { type: "tool_use", id: "toolu_1", name: "weather", input: { city: "Oslo" } },
    ]);
  });
});

describe("anthropic prompt caching: request", () => {
  it("passes cache_control through on system, message content parts and tools", () => {
    const eph = { type: "ephemeral" };
    const body = bodyOf(
      anthropicAdapter.toRequest(
        ctx({
          ...hello,
          messages: [
            { role: "system", content: [{ type: "text", text: "Long manual.", cache_control: eph }] },
            { role: "user", content: [{ type: "text", text: "Question", cache_control: eph }] },
          ],
          tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } }, cache_control: eph }],
        }),
      ),
    );
    expect(body.system).toEqual([{ type: "text", text: "Long manual.", cache_control: eph }]);
    expect(body.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Question", cache_control: eph }] },
    ]);
    expect((body.tools as Record<string, unknown>[])[0]).toMatchObject({ name: "f", cache_control: eph });
  });

  it("keeps the system prompt a plain string when nothing asks for caching", () => {
    const body = bodyOf(
      anthropicAdapter.toRequest(
        ctx({ ...hello, messages: [{ role: "system", content: "Be brief." }, hello.messages[0]] }),
      ),
    );
    expect(body.system).toBe("Be brief.");
  });
});

const THINKING_MESSAGE = {
  id: "msg_1",
  type: "message",
  role: "assistant",
  model: "claude-sonnet-4-5",
  content: [
    { type: "thinking", thinking: "Let me think.", signature: "sig-abc" },
    { type: "redacted_thinking", data: "opaque" },
    { type: "text", text: "Answer." },
  ],
  stop_reason: "end_turn",
  usage: { input_tokens: 10, output_tokens: 20 },
};

describe("anthropic extended thinking: response", () => {
  it("returns thinking as reasoning_content, and no content_blocks under strict OpenAI compliance", () => {
    const res = anthropicAdapter.fromResponse(200, Buffer.from(JSON.stringify(THINKING_MESSAGE)), ctx(hello));
    const message = (JSON.parse(String(res.body)) as { choices: { message: Record<string, unknown> }[] }).choices[0]
      ?.message;
    expect(message).toMatchObject({ content: "Answer.", reasoning_content: "Let me think." });
    expect(message?.content_blocks).toBeUndefined();
  });

  it("adds Portkey's content_blocks (signature kept) with x-portkey-strict-open-ai-compliance: false", () => {
    const res = anthropicAdapter.fromResponse(200, Buffer.from(JSON.stringify(THINKING_MESSAGE)), ctx(hello, lax));
    const message = (JSON.parse(String(res.body)) as { choices: { message: Record<string, unknown> }[] }).choices[0]
      ?.message;
    expect(message?.content_blocks).toEqual(THINKING_MESSAGE.content);
  });
});

describe("anthropic extended thinking: stream", () => {
  it("writes thinking deltas as reasoning_content before the text", () => {
    const d = deltas(translate(THINKING_STREAM, ctx({ ...hello, stream: true })));
    const reasoning = d.filter((x) => typeof x.reasoning_content === "string").map((x) => x.reasoning_content);
    expect(reasoning.join("")).toBe("Let me think about it.");
    const firstReasoning = d.findIndex((x) => x.reasoning_content !== undefined);
    const firstText = d.findIndex((x) => typeof x.content === "string" && x.content !== "");
    expect(firstReasoning).toBeGreaterThanOrEqual(0);
    expect(firstReasoning).toBeLessThan(firstText);
    expect(d.some((x) => x.content_blocks !== undefined)).toBe(false);
  });

  it("keeps the signature in content_blocks deltas with strict compliance off, split at any byte", () => {
    const whole = translate(THINKING_STREAM, ctx({ ...hello, stream: true }, lax));
    const blocks = deltas(whole).flatMap((x) => (x.content_blocks ?? []) as Record<string, unknown>[]);
    expect(blocks).toContainEqual({ index: 0, delta: { signature: "sig-abc" } });
    expect(blocks).toContainEqual({ index: 0, delta: { thinking: "Let me think" } });
    const bytes = Buffer.byteLength(THINKING_STREAM);
    for (let at = 1; at < bytes; at += 7) {
      const split = deltas(translate(THINKING_STREAM, ctx({ ...hello, stream: true }, lax), at));
      expect(split).toEqual(deltas(whole));
    }
  });
});

function gctx(body: Record<string, unknown>, target: Partial<ProviderTarget> = {}): TransformContext {
  return ctx(body, { provider: "google", ...target });
}
const gemini = { model: "gemini-2.5-flash", messages: [{ role: "user", content: "hi" }] };

const GEMINI_THINKING_ANSWER = {
  candidates: [
    {
      content: {
        role: "model",
        parts: [{ text: "Let me think.", thought: true }, { text: "Answer." }],
      },
      finishReason: "STOP",
      index: 0,
    },
  ],
  usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 2, thoughtsTokenCount: 7, totalTokenCount: 13 },
  modelVersion: "gemini-2.5-flash",
  responseId: "resp1",
};

/** Gemini SSE events (`data:` lines, CRLF CRLF). */
function gsse(events: Record<string, unknown>[]): string {
  return events.map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`).join("");
}
const part = (p: Record<string, unknown>, finishReason?: string) => ({
  candidates: [{ content: { role: "model", parts: [p] }, index: 0, ...(finishReason ? { finishReason } : {}) }],
  modelVersion: "gemini-2.5-flash",
  responseId: "resp1",
});
const GEMINI_THINKING_STREAM = gsse([
  part({ text: "Let me think", thought: true }),
  part({ text: " about it.", thought: true }),
  part({ text: "Answer." }),
  {
    ...part({ text: "" }, "STOP"),
    usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 2, thoughtsTokenCount: 7, totalTokenCount: 13 },
  },
]);

function gtranslate(raw: string, c: TransformContext, splitAt?: number): string {
  const t = googleAdapter.createStreamTranslator(c);
  const bytes = Buffer.from(raw);
  if (splitAt === undefined) return String(t.push(bytes)) + String(t.end());
  return String(t.push(bytes.subarray(0, splitAt))) + String(t.push(bytes.subarray(splitAt))) + String(t.end());
}

describe("gemini thinking: request", () => {
  const config = (body: Record<string, unknown>) =>
    (bodyOf(googleAdapter.toRequest(gctx({ ...gemini, ...body }))).generationConfig ?? {}) as Record<string, unknown>;

  it("maps reasoning_effort to thinkingConfig (low 1024, medium 8192, high 24576; none = budget 0)", () => {
    expect(config({ reasoning_effort: "low" }).thinkingConfig).toEqual({ thinkingBudget: 1024, includeThoughts: true });
    expect(config({ reasoning_effort: "medium" }).thinkingConfig).toEqual({
      thinkingBudget: 8192,
      includeThoughts: true,
    });
    expect(config({ reasoning_effort: "high" }).thinkingConfig).toEqual({
      thinkingBudget: 24576,
      includeThoughts: true,
    });
    expect(config({ reasoning_effort: "none" }).thinkingConfig).toEqual({ thinkingBudget: 0 });
    expect(config({}).thinkingConfig).toBeUndefined();
    expect(googleAdapter.toRequest(gctx({ ...gemini, reasoning_effort: "high" })).droppedParams).toEqual([]);
  });

  it("maps Portkey's thinking {budget_tokens} to thinkingConfig", () => {
    expect(config({ thinking: { type: "enabled", budget_tokens: 2048 } }).thinkingConfig).toEqual({
      thinkingBudget: 2048,
      includeThoughts: true,
    });
    expect(config({ thinking: { type: "disabled" } }).thinkingConfig).toEqual({ thinkingBudget: 0 });
    expect(googleAdapter.toRequest(gctx({ ...gemini, thinking: { type: "enabled" } })).droppedParams).toEqual([]);
  });

  it("refuses a thinking budget that is not a whole number with a 400 naming the parameter", () => {
    const err = thrown(() =>
      googleAdapter.toRequest(gctx({ ...gemini, thinking: { type: "enabled", budget_tokens: "x" } })),
    );
    expect(err.statusCode).toBe(400);
    expect(err.param).toBe("thinking.budget_tokens");
  });
});

describe("gemini thinking: response", () => {
  it("returns thought parts as reasoning_content and thoughtsTokenCount as reasoning_tokens", () => {
    const res = googleAdapter.fromResponse(200, Buffer.from(JSON.stringify(GEMINI_THINKING_ANSWER)), gctx(gemini));
    const json = JSON.parse(String(res.body)) as {
      choices: { message: Record<string, unknown> }[];
      usage: Record<string, unknown>;
    };
    expect(json.choices[0]?.message).toMatchObject({ content: "Answer.", reasoning_content: "Let me think." });
    expect(json.usage).toMatchObject({ completion_tokens: 9, completion_tokens_details: { reasoning_tokens: 7 } });
  });

  it("streams thought parts as reasoning deltas before the text, split at any byte", () => {
    const c = gctx({ ...gemini, stream: true });
    const whole = translate2(GEMINI_THINKING_STREAM, c);
    const d = deltas(whole);
    expect(
      d
        .filter((x) => typeof x.reasoning_content === "string")
        .map((x) => x.reasoning_content)
        .join(""),
    ).toBe("Let me think about it.");
    const firstReasoning = d.findIndex((x) => x.reasoning_content !== undefined);
    const firstText = d.findIndex((x) => typeof x.content === "string" && x.content !== "");
    expect(firstReasoning).toBeGreaterThanOrEqual(0);
    expect(firstReasoning).toBeLessThan(firstText);
    expect(
      d
        .filter((x) => typeof x.content === "string")
        .map((x) => x.content)
        .join(""),
    ).toBe("Answer.");
    const bytes = Buffer.byteLength(GEMINI_THINKING_STREAM);
    for (let at = 1; at < bytes; at += 5) {
      expect(deltas(gtranslate(GEMINI_THINKING_STREAM, c, at))).toEqual(d);
    }
  });
});

function translate2(raw: string, c: TransformContext): string {
  return gtranslate(raw, c);
}

const claudeOnBedrock = { model: "anthropic.claude-sonnet-4-5-v1:0", messages: [{ role: "user", content: "hi" }] };
function bctx(body: Record<string, unknown>, options: Record<string, string> = {}): TransformContext {
  return ctx(body, { provider: "bedrock", options: { awsRegion: "us-east-1", ...options } });
}

const CONVERSE_THINKING_ANSWER = {
  output: {
    message: {
      role: "assistant",
      content: [
        { reasoningContent: { reasoningText: { text: "Let me think.", signature: "sig-abc" } } },
        { reasoningContent: { redactedContent: "b3BhcXVl" } },
        { text: "Answer." },
      ],
    },
  },
  stopReason: "end_turn",
  usage: { inputTokens: 10, outputTokens: 20, totalTokens: 30 },
};

function converseFrame(type: string, payload: Record<string, unknown>): Buffer {
  const headers = {
    ":event-type": { type: "string" as const, value: type },
    ":content-type": { type: "string" as const, value: "application/json" },
    ":message-type": { type: "string" as const, value: "event" },
  };
  return Buffer.from(EVENT_STREAM_CODEC.encode({ headers, body: fromUtf8(JSON.stringify(payload)) }));
}
const CONVERSE_THINKING_STREAM = Buffer.concat([
  converseFrame("messageStart", { role: "assistant" }),
  converseFrame("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { text: "Let me think" } } }),
  converseFrame("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { text: " about it." } } }),
  converseFrame("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { signature: "sig-abc" } } }),
  converseFrame("contentBlockStop", { contentBlockIndex: 0 }),
  converseFrame("contentBlockDelta", { contentBlockIndex: 1, delta: { text: "Answer." } }),
  converseFrame("contentBlockStop", { contentBlockIndex: 1 }),
  converseFrame("messageStop", { stopReason: "end_turn" }),
  converseFrame("metadata", { usage: { inputTokens: 10, outputTokens: 20, totalTokens: 30 } }),
]);

function btranslate(c: TransformContext, splitAt?: number): string {
  const t = bedrockAdapter.createStreamTranslator(c);
  const bytes = CONVERSE_THINKING_STREAM;
  if (splitAt === undefined) return String(t.push(bytes)) + String(t.end());
  return String(t.push(bytes.subarray(0, splitAt))) + String(t.push(bytes.subarray(splitAt))) + String(t.end());
}

describe("bedrock converse thinking: request", () => {
  it("maps reasoning_effort to additionalModelRequestFields.thinking for Claude, max tokens above the budget", () => {
    const req = bedrockAdapter.toRequest(bctx({ ...claudeOnBedrock, reasoning_effort: "medium" }));
    const body = bodyOf(req);
    expect(body.additionalModelRequestFields).toEqual({ thinking: { type: "enabled", budget_tokens: 4096 } });
    expect(body.inferenceConfig).toMatchObject({ maxTokens: 4096 + 4096 });
    expect(req.droppedParams).toEqual([]);
    const capped = bodyOf(
      bedrockAdapter.toRequest(bctx({ ...claudeOnBedrock, reasoning_effort: "high", max_tokens: 3000 })),
    );
    expect(capped.additionalModelRequestFields).toEqual({ thinking: { type: "enabled", budget_tokens: 2999 } });
    expect(capped.inferenceConfig).toMatchObject({ maxTokens: 3000 });
  });

  it("passes Portkey's thinking through for Claude (cross-region profiles too)", () => {
    const thinking = { type: "enabled", budget_tokens: 2048 };
    const body = bodyOf(
      bedrockAdapter.toRequest(
        bctx({ ...claudeOnBedrock, model: "us.anthropic.claude-3-7-sonnet-20250219-v1:0", thinking }),
      ),
    );
    expect(body.additionalModelRequestFields).toEqual({ thinking });
    expect((body.inferenceConfig as Record<string, unknown>).maxTokens).toBeGreaterThan(2048);
  });

  it("reports reasoning_effort as dropped for a model that is not Claude", () => {
    const req = bedrockAdapter.toRequest(
      bctx({ ...claudeOnBedrock, model: "amazon.nova-pro-v1:0", reasoning_effort: "low" }),
    );
    expect(bodyOf(req).additionalModelRequestFields).toBeUndefined();
    expect(req.droppedParams).toEqual(["reasoning_effort"]);
  });

  it("sends the assistant's signed reasoning back first as reasoningContent blocks", () => {
    const messages = [
      { role: "user", content: "weather?" },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "I should call the tool.", signature: "sig-1" },
          { type: "redacted_thinking", data: "b3BhcXVl" },
        ],
        tool_calls: [{ id: "t1", type: "function", function: { name: "weather", arguments: "{}" } }],
      },
      { role: "tool", tool_call_id: "t1", content: "sunny" },
    ];
    const body = bodyOf(bedrockAdapter.toRequest(bctx({ ...claudeOnBedrock, messages, reasoning_effort: "low" })));
    expect((body.messages as { content: unknown[] }[])[1]?.content).toEqual([
      { reasoningContent: { reasoningText: { text: "I should call the tool.", signature: "sig-1" } } },
      { reasoningContent: { redactedContent: "b3BhcXVl" } },
      { toolUse: { toolUseId: "t1", name: "weather", input: {} } },
    ]);
  });
});

describe("bedrock converse thinking: response", () => {
  it("returns reasoningContent as reasoning_content, and signed content_blocks only with strict compliance off", () => {
    const raw = Buffer.from(JSON.stringify(CONVERSE_THINKING_ANSWER));
    const message = (c: TransformContext) =>
      (
        JSON.parse(String(bedrockAdapter.fromResponse(200, raw, c).body)) as {
          choices: { message: Record<string, unknown> }[];
        }
      ).choices[0]?.message;
    const strict = message(bctx(claudeOnBedrock));
    expect(strict).toMatchObject({ content: "Answer.", reasoning_content: "Let me think." });
    expect(strict?.content_blocks).toBeUndefined();
    expect(message(bctx(claudeOnBedrock, { strictOpenAiCompliance: "false" }))?.content_blocks).toEqual([
      { type: "thinking", thinking: "Let me think.", signature: "sig-abc" },
      { type: "redacted_thinking", data: "b3BhcXVl" },
      { type: "text", text: "Answer." },
    ]);
  });

  it("streams reasoningContent deltas as reasoning before the text; signature kept with strict off; any split", () => {
    const d = deltas(btranslate(bctx({ ...claudeOnBedrock, stream: true })));
    expect(
      d
        .filter((x) => typeof x.reasoning_content === "string")
        .map((x) => x.reasoning_content)
        .join(""),
    ).toBe("Let me think about it.");
    const firstReasoning = d.findIndex((x) => x.reasoning_content !== undefined);
    const firstText = d.findIndex((x) => typeof x.content === "string" && x.content !== "");
    expect(firstReasoning).toBeGreaterThanOrEqual(0);
    expect(firstReasoning).toBeLessThan(firstText);
    expect(d.some((x) => x.content_blocks !== undefined)).toBe(false);
    const laxCtx = bctx({ ...claudeOnBedrock, stream: true }, { strictOpenAiCompliance: "false" });
    const lax = deltas(btranslate(laxCtx));
    const blocks = lax.flatMap((x) => (x.content_blocks ?? []) as Record<string, unknown>[]);
    expect(blocks).toContainEqual({ index: 0, delta: { signature: "sig-abc" } });
    expect(blocks).toContainEqual({ index: 0, delta: { thinking: "Let me think" } });
    for (let at = 1; at < CONVERSE_THINKING_STREAM.length; at += 11) {
      expect(deltas(btranslate(laxCtx, at)).map((x) => JSON.stringify(x))).toEqual(lax.map((x) => JSON.stringify(x)));
    }
  });
});

describe("thinking streams split at any bytes (property)", () => {
  const word = fc.stringMatching(/^[a-z]{1,6}$/);
  const reply = fc.record({
    kind: fc.constant("text" as const),
    words: fc.array(word, { minLength: 1, maxLength: 8 }),
    finish: fc.constant("stop" as const),
  });
  const cases = [
    {
      name: "google",
      frames: (r: ScriptedReply, thought: string) =>
        Buffer.from(googleStreamFrames(r, 3, "gemini-2.5-flash", "resp1", thought).join("")),
      c: gctx({ ...gemini, stream: true }),
    },
    {
      name: "bedrock",
      frames: (r: ScriptedReply, thought: string) => Buffer.concat(converseStreamFrames(r, 3, "tooluse_1", thought)),
      c: bctx({ ...claudeOnBedrock, stream: true }),
    },
  ];
  it.each(cases)("$name: reasoning first, then the text, whatever the chunking", ({ frames, c }) => {
    fc.assert(
      fc.property(
        reply,
        fc.array(word, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (r, t, raw) => {
          const thought = t.join(" ");
          const bytes = frames(r, thought);
          const cuts = [...new Set(raw.map((n) => n % bytes.length))].filter((n) => n > 0).sort((a, b) => a - b);
          const translator = googleOrBedrock(c).createStreamTranslator(c);
          let out = "";
          let at = 0;
          for (const cut of cuts) {
            out += String(translator.push(bytes.subarray(at, cut)));
            at = cut;
          }
          out += String(translator.push(bytes.subarray(at))) + String(translator.end());
          const d = deltas(out);
          const reasoning = d.filter((x) => typeof x.reasoning_content === "string");
          expect(reasoning.map((x) => x.reasoning_content).join("")).toBe(thought);
          expect(d.map((x) => x.content ?? "").join("")).toBe(r.words.join(" "));
          const lastReasoning = d.findLastIndex((x) => x.reasoning_content !== undefined);
          const firstText = d.findIndex((x) => typeof x.content === "string" && x.content !== "");
          expect(lastReasoning).toBeLessThan(firstText);
        },
      ),
      { numRuns: 60 },
    );
  });
});

function googleOrBedrock(c: TransformContext) {
  return c.target.provider === "google" ? googleAdapter : bedrockAdapter;
}
