import { describe, expect, it } from "vitest";
import { chatToResponse } from "../../shared/providers/protocols/responses-answer";
import { responsesToChat } from "../../shared/providers/protocols/responses-request";
import {
  hasItemReference,
  referencedResponses,
  resolveItemReferences,
} from "../../shared/providers/protocols/responses-state";
import { ResponsesFromChatStream } from "../../shared/providers/protocols/responses-stream";
import { ResponsesPassThrough } from "../../shared/providers/responses-pass-through";
import { SsePassThrough } from "../../shared/providers/sse-usage-scanner";
import type { TransformContext } from "../../shared/providers/types";
import { expectDocumentedEvents } from "../support/responses-events";
import { thrown } from "../support/thrown";

type Json = Record<string, unknown>;

function ctx(body: Json): TransformContext {
  return { endpoint: "responses", target: { provider: "groq" }, body, rawBody: Buffer.alloc(0), bodyChanged: false };
}

/** Parses Responses SSE text into its events (the `event:` line must name the data's type). */
function events(sse: string): Json[] {
  return sse
    .split("\n\n")
    .filter((e) => e.trim() !== "")
    .map((event) => {
      const name = /^event: (.*)$/m.exec(event)?.[1];
      const data = JSON.parse(/^data: (.*)$/m.exec(event)?.[1] ?? "{}") as Json;
      expect(data.type).toBe(name);
      return data;
    });
}

const chunk = (delta: Json, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "llama", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const USAGE = `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "llama", choices: [], usage: { prompt_tokens: 11, completion_tokens: 5, total_tokens: 16 } })}\n\n`;

describe("a Responses request as a chat request", () => {
  it("maps input items, instructions, tools, tool_choice, text.format, reasoning and max_output_tokens", () => {
    // Act
    const chat = responsesToChat({
      model: "m",
      instructions: "Be brief.",
      input: [
        { role: "developer", content: "Use metric units." },
        {
          role: "user",
          content: [
            { type: "input_text", text: "Weather?" },
            { type: "input_image", image_url: "https://example.com/a.png", detail: "low" },
          ],
        },
        { type: "function_call", call_id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' },
        { type: "function_call_output", call_id: "call_1", output: "sunny" },
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "It is sunny." }] },
        { type: "reasoning", id: "rs_1", summary: [] },
      ],
      tools: [{ type: "function", name: "get_weather", parameters: { type: "object" }, strict: true }],
      tool_choice: { type: "function", name: "get_weather" },
      text: { format: { type: "json_schema", name: "w", schema: { type: "object" }, strict: true } },
      reasoning: { effort: "low" },
      max_output_tokens: 64,
      temperature: 0.2,
      stream: true,
      store: true,
      metadata: { a: "b" },
    });

    // Assess
    expect(chat).toEqual({
      model: "m",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "system", content: "Use metric units." },
        {
          role: "user",
          content: [
            { type: "text", text: "Weather?" },
            { type: "image_url", image_url: { url: "https://example.com/a.png", detail: "low" } },
          ],
        },
        {
          role: "assistant",
          content: "",
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "sunny" },
        { role: "assistant", content: "It is sunny." },
      ],
      tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object" }, strict: true } }],
      tool_choice: { type: "function", function: { name: "get_weather" } },
      response_format: { type: "json_schema", json_schema: { name: "w", schema: { type: "object" }, strict: true } },
      reasoning_effort: "low",
      max_tokens: 64,
      temperature: 0.2,
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("refuses what the chat layer cannot honour with a 400 naming the parameter", () => {
    // Act
    const builtIn = thrown(() => responsesToChat({ model: "m", input: "hi", tools: [{ type: "web_search" }] }));
    const background = thrown(() => responsesToChat({ model: "m", input: "hi", background: true }));
    const reference = thrown(() => responsesToChat({ model: "m", input: [{ type: "item_reference", id: "x" }] }));
    const previous = thrown(() => responsesToChat({ model: "m", input: "hi", previous_response_id: "resp_x" }));

    // Assess
    expect(builtIn.toBody().error).toMatchObject({ param: "tools[0].type", code: "unsupported_parameter" });
    expect(background.toBody().error).toMatchObject({ param: "background", code: "unsupported_parameter" });
    expect(reference.toBody().error).toEqual({
      message: "Item with id 'x' not found.",
      type: "invalid_request_error",
      param: "input",
      code: "item_not_found",
    });
    expect(previous.statusCode).toBe(400);
    expect(previous.toBody().error).toEqual({
      message: "Previous response with id 'resp_x' not found.",
      type: "invalid_request_error",
      param: "previous_response_id",
      code: "previous_response_not_found",
    });
  });
});

describe("item references into the chat layer's stored responses", () => {
  const HEX = "ab".repeat(24);

  it("finds the response an item id names, and replaces the references it knows", () => {
    // Prepare: ids as the chat layer makes them (output `msg_<hex>_0`, input `msg_<hex>_in0`) and one of OpenAI's
    const items = [
      { type: "item_reference", id: `msg_${HEX}_0` },
      { type: "item_reference", id: `fc_${HEX}_1` },
      { type: "item_reference", id: `msg_${HEX}_in0` },
      { type: "item_reference", id: "msg_67ccd3acc8d48190a77525dc6de64b4104becb25c6a6a8d9" },
      { type: "function_call_output", call_id: "call_1", output: "sunny" },
    ];
    const answer = { id: `msg_${HEX}_0`, type: "message", role: "assistant", content: [] };

    // Act
    const ids = referencedResponses(items);
    const resolved = resolveItemReferences(items, new Map([[answer.id, answer]]));

    // Assess
    expect(hasItemReference(items)).toBe(true);
    expect(hasItemReference([{ type: "message", role: "user", content: "hi" }])).toBe(false);
    expect(hasItemReference("hi")).toBe(false);
    expect(ids).toEqual([`resp_${HEX}`]);
    expect(resolved[0]).toBe(answer);
    expect(resolved.slice(1)).toEqual(items.slice(1));
  });
});

describe("a chat completion as a Responses answer", () => {
  it("has a message and function_call items, the usage, and echoes the request", () => {
    // Prepare
    const completion = {
      id: "c1",
      object: "chat.completion",
      created: 1_700_000_000,
      model: "llama",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: "Let me check.",
            tool_calls: [
              { id: "call_9", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
            ],
          },
          finish_reason: "tool_calls",
        },
      ],
    };
    const usage = { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14, cached_tokens: 2 };

    // Act
    const answer = chatToResponse(
      { body: JSON.stringify(completion), contentType: "application/json", usage, model: "llama" },
      ctx({ model: "m", input: "hi", instructions: "x", max_output_tokens: 9 }),
    );
    const response = JSON.parse(String(answer.body)) as Json;

    // Assess
    expect(answer.usage).toBe(usage); // billed as the provider reported it
    expect(response).toMatchObject({
      object: "response",
      status: "completed",
      created_at: 1_700_000_000,
      model: "llama",
      instructions: "x",
      max_output_tokens: 9,
      store: true,
      usage: {
        input_tokens: 10,
        input_tokens_details: { cached_tokens: 2 },
        output_tokens: 4,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 14,
      },
    });
    expect(response.id).toMatch(/^resp_[0-9a-f]{48}$/);
    expect(response.output).toEqual([
      expect.objectContaining({
        type: "message",
        role: "assistant",
        content: [expect.objectContaining({ type: "output_text", text: "Let me check." })],
      }),
      expect.objectContaining({
        type: "function_call",
        call_id: "call_9",
        name: "get_weather",
        arguments: '{"city":"Paris"}',
        status: "completed",
      }),
    ]);
  });

  it("is incomplete when the output was cut at max_output_tokens", () => {
    // Act
    const answer = chatToResponse(
      {
        body: JSON.stringify({ choices: [{ message: { content: "a b" }, finish_reason: "length" }] }),
        contentType: "application/json",
      },
      ctx({ model: "m", input: "hi" }),
    );

    // Assess
    expect(JSON.parse(String(answer.body))).toMatchObject({
      status: "incomplete",
      incomplete_details: { reason: "max_output_tokens" },
    });
  });
});

describe("a chat stream as a Responses stream", () => {
  it("emits the documented events, text then a function call, with the usage at the end", () => {
    // Prepare
    const translator = new ResponsesFromChatStream(new SsePassThrough(), ctx({ model: "m", input: "hi" }));
    const chat = [
      chunk({ role: "assistant", content: "" }),
      chunk({ content: "Let" }),
      chunk({ content: " me check." }),
      chunk({
        tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "get_weather", arguments: "" } }],
      }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      chunk({}, "tool_calls"),
      USAGE,
      "data: [DONE]\n\n",
    ].join("");

    // Act: split at every 7 bytes, as a network may
    let out = "";
    const bytes = Buffer.from(chat);
    for (let i = 0; i < bytes.length; i += 7) out += translator.push(bytes.subarray(i, i + 7));
    out += translator.end();

    // Assess
    const response = expectDocumentedEvents(events(out));
    expect(translator.finished).toBe(true);
    expect(translator.completed).toEqual(response);
    expect(response.output).toEqual([
      expect.objectContaining({ type: "message", content: [expect.objectContaining({ text: "Let me check." })] }),
      expect.objectContaining({
        type: "function_call",
        call_id: "call_1",
        name: "get_weather",
        arguments: '{"city":"Paris"}',
      }),
    ]);
    expect(response.usage).toMatchObject({ input_tokens: 11, output_tokens: 5, total_tokens: 16 });
  });

  it("ends with response.failed and an error event when the provider fails mid-stream", () => {
    // Prepare
    const translator = new ResponsesFromChatStream(new SsePassThrough(), ctx({ model: "m", input: "hi" }));
    const failure = { error: { message: "Overloaded", type: "overloaded_error", param: null, code: null } };

    // Act
    const out = `${translator.push(Buffer.from(chunk({ content: "Hel" })))}${translator.push(Buffer.from(`data: ${JSON.stringify(failure)}\n\n`))}`;

    // Assess
    const sent = events(out);
    expect(sent.map((e) => e.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.failed",
      "error",
    ]);
    expect(sent[5]?.response).toMatchObject({
      status: "failed",
      error: { code: "server_error", message: "Overloaded" },
    });
    expect(sent[6]).toMatchObject({ code: "overloaded_error", message: "Overloaded", sequence_number: 6 });
    expect(translator.finished).toBe(true);
    expect(translator.error).toEqual(failure);
  });

  it("answers a failure of the gateway (stall, cut) in the same format", () => {
    // Prepare
    const translator = new ResponsesFromChatStream(new SsePassThrough(), ctx({ model: "m", input: "hi" }));
    translator.push(Buffer.from(chunk({ content: "Hel" })));

    // Act
    const error = {
      error: { message: "stalled", type: "gateway_upstream_error", param: null, code: "stream_stalled" },
    };
    const sent = events(translator.errorEvent(error));

    // Assess
    expect(sent.map((e) => e.type)).toEqual(["response.failed", "error"]);
    expect(sent[1]).toMatchObject({ code: "stream_stalled", sequence_number: 6 });
  });

  it("is not finished when the chat stream was cut before its end", () => {
    // Prepare
    const translator = new ResponsesFromChatStream(new SsePassThrough(), ctx({ model: "m", input: "hi" }));

    // Act
    translator.push(Buffer.from(chunk({ content: "Hel" })));
    translator.end();

    // Assess
    expect(translator.finished).toBe(false);
    expect(translator.completed).toBeUndefined();
  });
});

describe("OpenAI's Responses stream passed through", () => {
  const completed = {
    type: "response.completed",
    sequence_number: 3,
    response: {
      id: "resp_1",
      model: "gpt-4.1-2025-04-14",
      usage: {
        input_tokens: 20,
        input_tokens_details: { cached_tokens: 8 },
        output_tokens: 9,
        output_tokens_details: { reasoning_tokens: 4 },
        total_tokens: 29,
      },
    },
  };

  it("forwards the bytes unchanged and reads the usage and model of response.completed", () => {
    // Prepare
    const translator = new ResponsesPassThrough();
    const sse = `event: response.created\ndata: {"type":"response.created","sequence_number":0,"response":{"id":"resp_1","model":"gpt-4.1"}}\n\nevent: response.completed\ndata: ${JSON.stringify(completed)}\n\n`;

    // Act
    const bytes = Buffer.from(sse);
    const out = Buffer.concat([
      translator.push(bytes.subarray(0, 50)),
      translator.push(bytes.subarray(50)),
      translator.end(),
    ]);

    // Assess
    expect(out.toString()).toBe(sse);
    expect(translator.finished).toBe(true);
    expect(translator.error).toBeUndefined();
    expect(translator.model).toBe("gpt-4.1-2025-04-14");
    expect(translator.usage).toEqual({
      prompt_tokens: 20,
      completion_tokens: 9,
      total_tokens: 29,
      cached_tokens: 8,
      reasoning_tokens: 4,
    });
  });

  it("records response.failed as a failure for the log", () => {
    // Prepare
    const translator = new ResponsesPassThrough();
    const failed = {
      type: "response.failed",
      sequence_number: 2,
      response: { id: "r", error: { code: "server_error", message: "boom" } },
    };

    // Act
    translator.push(Buffer.from(`event: response.failed\ndata: ${JSON.stringify(failed)}\n\n`));

    // Assess
    expect(translator.finished).toBe(true);
    expect(translator.error?.error).toMatchObject({ message: "boom", code: "server_error" });
  });

  it("is not finished by a stream that ends without a terminal event", () => {
    // Prepare
    const translator = new ResponsesPassThrough();

    // Act
    translator.push(Buffer.from('event: response.created\ndata: {"type":"response.created","sequence_number":0}\n\n'));
    translator.end();

    // Assess
    expect(translator.finished).toBe(false);
  });
});
