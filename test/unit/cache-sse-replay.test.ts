import { Readable } from "node:stream";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { replayAsSse } from "../../shared/cache/sse-replay";
import { ChatStreamCollector } from "../../shared/cache/stream-collector";

const completion = {
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1_790_000_000,
  model: "gpt-4o-mini-2024-07-18",
  system_fingerprint: "fp_1",
  choices: [
    {
      index: 0,
      message: { role: "assistant", content: "Bonjour 👋, ça va ? Here is a longer answer to split.", refusal: null },
      logprobs: null,
      finish_reason: "stop",
    },
  ],
  usage: { prompt_tokens: 9, completion_tokens: 14, total_tokens: 23 },
};

const toolCompletion = {
  ...completion,
  choices: [
    {
      index: 0,
      message: {
        role: "assistant",
        content: null,
        refusal: null,
        tool_calls: [
          {
            id: "call_1",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris","unit":"c"}' },
          },
        ],
      },
      logprobs: null,
      finish_reason: "tool_calls",
    },
  ],
};

function sdkOver(events: string[]): OpenAI {
  return new OpenAI({
    apiKey: "test",
    baseURL: "http://127.0.0.1:9/v1",
    fetch: async () =>
      new Response(Readable.toWeb(Readable.from(events.map((e) => Buffer.from(e)))) as ReadableStream, {
        headers: { "content-type": "text/event-stream" },
      }),
  });
}

describe("replaying a cached chat completion as SSE", () => {
  it("is read by the openai SDK as the same answer, with the usage chunk when asked", async () => {
    // Prepare
    const events = replayAsSse(JSON.stringify(completion), { includeUsage: true, chunkChars: 8 });
    // Act
    const stream = sdkOver(events ?? []).chat.completions.stream({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    // Assess
    expect(events?.length).toBeGreaterThan(5);
    expect(events?.at(-1)).toBe("data: [DONE]\n\n");
    expect(final.choices[0]?.message.content).toBe(completion.choices[0]?.message.content);
    expect(final.choices[0]?.finish_reason).toBe("stop");
    expect(final.usage).toEqual(completion.usage);
  });

  it("streams tool calls as tool_call deltas the SDK reassembles", async () => {
    // Prepare
    const events = replayAsSse(JSON.stringify(toolCompletion), { includeUsage: false, chunkChars: 5 });
    // Act
    const final = await sdkOver(events ?? [])
      .chat.completions.stream({ model: "m", messages: [{ role: "user", content: "weather?" }] })
      .finalChatCompletion();
    // Assess
    expect(final.choices[0]?.message.tool_calls?.[0]).toMatchObject({
      id: "call_1",
      function: { name: "get_weather", arguments: '{"city":"Paris","unit":"c"}' },
    });
    expect(events?.some((e) => e.includes('"usage"'))).toBe(false);
  });

  it("refuses what is not a chat completion", () => {
    // Act / Assess
    expect(
      replayAsSse(JSON.stringify({ object: "list", data: [] }), { includeUsage: false, chunkChars: 8 }),
    ).toBeUndefined();
  });
});

describe("collecting a streamed answer for the cache", () => {
  it("rebuilds the chat.completion from chunks split at any byte (round trip with the replay)", () => {
    // Prepare
    const bytes = Buffer.from(
      (replayAsSse(JSON.stringify(completion), { includeUsage: true, chunkChars: 3 }) ?? []).join(""),
    );
    const collector = new ChatStreamCollector(1_000_000);
    // Act: feed 7-byte slices, cutting through multi-byte characters
    for (let i = 0; i < bytes.length; i += 7) collector.push(bytes.subarray(i, i + 7));
    const rebuilt = JSON.parse(collector.result() ?? "null");
    // Assess
    expect(rebuilt).toEqual(completion);
    expect(collector.finished).toBe(true);
  });

  it("rebuilds tool calls", () => {
    // Prepare
    const collector = new ChatStreamCollector(1_000_000);
    // Act
    for (const e of replayAsSse(JSON.stringify(toolCompletion), { includeUsage: false, chunkChars: 4 }) ?? [])
      collector.push(e);
    // Assess
    const { usage: _usage, ...withoutUsage } = toolCompletion;
    expect(JSON.parse(collector.result() ?? "null")).toEqual(withoutUsage);
  });

  it("gives nothing for a cut stream, an error event, or an answer over the size limit", () => {
    // Prepare
    const events = replayAsSse(JSON.stringify(completion), { includeUsage: false, chunkChars: 8 }) ?? [];
    const cut = new ChatStreamCollector(1_000_000);
    const errored = new ChatStreamCollector(1_000_000);
    const small = new ChatStreamCollector(100);
    // Act
    for (const e of events.slice(0, 3)) cut.push(e);
    for (const e of [...events.slice(0, 3), 'data: {"error":{"message":"upstream died"}}\n\n', ...events.slice(3)])
      errored.push(e);
    for (const e of events) small.push(e);
    // Assess
    expect(cut.result()).toBeUndefined();
    expect(errored.result()).toBeUndefined();
    expect(small.result()).toBeUndefined();
  });
});
