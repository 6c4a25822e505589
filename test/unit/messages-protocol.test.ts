import { describe, expect, it } from "vitest";
import { BadRequestError } from "../../shared/core/errors";
import { MESSAGES_PROTOCOL } from "../../shared/providers/protocols/messages-protocol";
import { SseParser } from "../../shared/providers/sse-parser";
import { SsePassThrough } from "../../shared/providers/sse-usage-scanner";
import type { TransformContext } from "../../shared/providers/types";
import { checkMessagesEventSequence } from "../support/messages-events";

/** Anthropic's Messages API on the chat layer: the body both ways and the stream, event by event. */
function ctx(body: Record<string, unknown> = { model: "m" }): TransformContext {
  return { endpoint: "messages", target: { provider: "openai" }, body, rawBody: Buffer.alloc(0), bodyChanged: false };
}

function chunk(delta: Record<string, unknown>, finish: string | null = null): string {
  return `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", model: "gpt", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
}

/** Runs chat chunks through the protocol's stream translator, split at every `split` bytes. */
function translate(chunks: readonly string[], split = 7): { events: Record<string, unknown>[]; names: string[] } {
  const translator = MESSAGES_PROTOCOL.streamFromChat(new SsePassThrough(), ctx());
  const bytes = Buffer.from(chunks.join(""));
  let out = "";
  for (let i = 0; i < bytes.length; i += split) out += translator.push(bytes.subarray(i, i + split)).toString();
  out += translator.end().toString();
  const parsed = new SseParser().push(Buffer.from(out));
  for (const e of parsed) expect(JSON.parse(e.data).type, "event: matches the data's type").toBe(e.event);
  return { events: parsed.map((e) => JSON.parse(e.data)), names: parsed.map((e) => e.event) };
}

describe("Messages -> chat", () => {
  it("maps system, blocks, tools, tool_choice, stop, sampling, user and thinking", () => {
    // Act
    const chat = MESSAGES_PROTOCOL.toChat({
      model: "m",
      max_tokens: 100,
      system: [
        { type: "text", text: "a" },
        { type: "text", text: "b" },
      ],
      messages: [
        {
          role: "user",
          content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "AA==" } }],
        },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "hm", signature: "s" },
            { type: "text", text: "ok" },
            { type: "tool_use", id: "t1", name: "f", input: { x: 1 } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "t1", content: [{ type: "text", text: "done" }] },
            { type: "text", text: "next" },
          ],
        },
      ],
      tools: [{ name: "f", description: "d", input_schema: { type: "object" } }],
      tool_choice: { type: "any", disable_parallel_tool_use: true },
      stop_sequences: ["END"],
      temperature: 0.5,
      top_p: 0.9,
      metadata: { user_id: "u1" },
      thinking: { type: "enabled", budget_tokens: 5000 },
      stream: true,
    });

    // Assess
    expect(chat).toEqual({
      model: "m",
      max_tokens: 100,
      messages: [
        { role: "system", content: "a\n\nb" },
        { role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png;base64,AA==" } }] },
        {
          role: "assistant",
          content: "ok",
          tool_calls: [{ id: "t1", type: "function", function: { name: "f", arguments: '{"x":1}' } }],
        },
        { role: "tool", tool_call_id: "t1", content: "done" },
        { role: "user", content: [{ type: "text", text: "next" }] },
      ],
      tools: [{ type: "function", function: { name: "f", description: "d", parameters: { type: "object" } } }],
      tool_choice: "required",
      parallel_tool_calls: false,
      stop: ["END"],
      temperature: 0.5,
      top_p: 0.9,
      user: "u1",
      reasoning_effort: "medium",
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("maps structured outputs (output_config.format) to a json_schema response_format", () => {
    // Prepare: as the Vercel AI SDK's generateObject sends it
    const schema = { type: "object", properties: { name: { type: "string" } }, required: ["name"] };
    const body = { model: "m", max_tokens: 5, messages: [{ role: "user", content: "x" }] };

    // Act
    const chat = MESSAGES_PROTOCOL.toChat({ ...body, output_config: { format: { type: "json_schema", schema } } });
    const plain = MESSAGES_PROTOCOL.toChat({ ...body, output_config: { effort: "low" } });

    // Assess
    expect(chat.response_format).toEqual({
      type: "json_schema",
      json_schema: { name: "output", schema, strict: true },
    });
    expect(plain.response_format).toBeUndefined();
  });

  it.each([
    [
      {
        model: "m",
        max_tokens: 5,
        messages: [{ role: "user", content: "x" }],
        output_config: { format: { type: "json_schema" } },
      },
      "output_config.format",
    ],
    [{ model: "m", messages: [{ role: "user", content: "hi" }] }, "max_tokens"],
    [{ model: "m", max_tokens: 5, messages: [] }, "messages"],
    [{ model: "m", max_tokens: 5, messages: [{ role: "system", content: "hi" }] }, "messages.0.role"],
    [
      { model: "m", max_tokens: 5, messages: [{ role: "user", content: [{ type: "document", source: {} }] }] },
      "messages.0.content.0",
    ],
    [
      {
        model: "m",
        max_tokens: 5,
        messages: [{ role: "user", content: "x" }],
        tools: [{ type: "web_search_20250305" }],
      },
      "tools.0.type",
    ],
  ])("refuses what it cannot carry with a 400 naming the param (%#)", (body, param) => {
    // Act
    let err: unknown;
    try {
      MESSAGES_PROTOCOL.toChat(body);
    } catch (e) {
      err = e;
    }

    // Assess
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).param).toBe(param);
  });
});

describe("chat -> Messages", () => {
  it("turns a chat completion into a message: thinking, text, tool_use, stop reason, Anthropic's usage", () => {
    // Prepare
    const completion = {
      id: "chatcmpl-1",
      model: "gpt",
      choices: [
        {
          message: {
            role: "assistant",
            reasoning_content: "think",
            content: "hi",
            tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: '{"a":1}' } }],
          },
          finish_reason: "tool_calls",
        },
      ],
    };
    const usage = { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13, cached_tokens: 4 };

    // Act
    const out = MESSAGES_PROTOCOL.fromChat(
      { body: JSON.stringify(completion), contentType: "application/json", usage, model: "gpt" },
      ctx(),
    );

    // Assess
    expect(JSON.parse(out.body.toString())).toEqual({
      id: "chatcmpl-1",
      type: "message",
      role: "assistant",
      model: "gpt",
      content: [
        { type: "thinking", thinking: "think", signature: "" },
        { type: "text", text: "hi" },
        { type: "tool_use", id: "c1", name: "f", input: { a: 1 } },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 6, output_tokens: 3, cache_read_input_tokens: 4 },
    });
    expect(out.usage).toEqual(usage);
  });
});

describe("chat stream -> Messages events", () => {
  it("writes Anthropic's documented events, ping included, in order, from chunks split anywhere", () => {
    // Prepare: reasoning, text, then two tool calls, the usage chunk and [DONE]
    const chunks = [
      chunk({ role: "assistant", content: "" }),
      chunk({ reasoning_content: "Let me" }),
      chunk({ reasoning_content: " think." }),
      chunk({ content: "Sure." }),
      chunk({ tool_calls: [{ index: 0, id: "c1", type: "function", function: { name: "f", arguments: "" } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"a":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: "1}" } }] }),
      chunk({ tool_calls: [{ index: 1, id: "c2", type: "function", function: { name: "g", arguments: "{}" } }] }),
      chunk({}, "tool_calls"),
      `data: ${JSON.stringify({ id: "c1", choices: [], usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } })}\n\n`,
      "data: [DONE]\n\n",
    ];

    // Act
    const { events, names } = translate(chunks);

    // Assess
    expect(names).toEqual([
      "message_start",
      "ping",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    checkMessagesEventSequence(events);
    expect(events[2]).toEqual({
      type: "content_block_start",
      index: 0,
      content_block: { type: "thinking", thinking: "", signature: "" },
    });
    expect(events[3]).toEqual({
      type: "content_block_delta",
      index: 0,
      delta: { type: "thinking_delta", thinking: "Let me" },
    });
    expect(events[9]).toEqual({
      type: "content_block_start",
      index: 2,
      content_block: { type: "tool_use", id: "c1", name: "f", input: {} },
    });
    expect(events[10]).toEqual({
      type: "content_block_delta",
      index: 2,
      delta: { type: "input_json_delta", partial_json: '{"a":' },
    });
    expect(events[16]).toEqual({
      type: "message_delta",
      delta: { stop_reason: "tool_use", stop_sequence: null },
      usage: { input_tokens: 9, output_tokens: 4 },
    });
  });

  it("ends with Anthropic's error event when the provider reported an error mid-stream", () => {
    // Act
    const { events, names } = translate([
      chunk({ role: "assistant", content: "" }),
      chunk({ content: "par" }),
      `data: ${JSON.stringify({ error: { message: "overloaded", type: "overloaded_error", param: null, code: null } })}\n\n`,
    ]);

    // Assess
    expect(names.slice(-1)).toEqual(["error"]);
    expect(events.at(-1)).toEqual({ type: "error", error: { type: "overloaded_error", message: "overloaded" } });
  });
});
