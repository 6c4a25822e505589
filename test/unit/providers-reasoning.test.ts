import { describe, expect, it } from "vitest";
import { GatewayError } from "../../shared/core/errors";
import { anthropicAdapter } from "../../shared/providers/anthropic";
import { readProviderOptions } from "../../shared/providers/provider-options";
import type { ProviderTarget, TransformContext } from "../../shared/providers/types";

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

function thrown(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error("expected a GatewayError");
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
