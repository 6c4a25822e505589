import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTestGateway } from "../support/local-gateway";
import {
  can,
  OPENAI_WIRE_CASES,
  PROVIDER_CASES,
  type ProviderCase,
  type RunningFake,
  skipNote,
} from "./conformance-providers";

const PNG_1PX =
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
const WEATHER_TOOL: OpenAI.Chat.ChatCompletionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;
let gateway: Gateway;

beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(async () => {
  await gateway.stop();
});

interface StreamResult {
  text: string;
  finish: string | null;
  usage: OpenAI.CompletionUsage | null | undefined;
  chunks: number;
  lastChoices: number;
  toolCalls: Map<number, { id: string; name: string; args: string }>;
}

async function collect(stream: AsyncIterable<OpenAI.Chat.ChatCompletionChunk>): Promise<StreamResult> {
  const out: StreamResult = {
    text: "",
    finish: null,
    usage: undefined,
    chunks: 0,
    lastChoices: -1,
    toolCalls: new Map(),
  };
  for await (const chunk of stream) {
    out.chunks += 1;
    out.lastChoices = chunk.choices.length;
    if (chunk.usage) out.usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    out.text += choice.delta.content ?? "";
    if (choice.finish_reason) out.finish = choice.finish_reason;
    for (const call of choice.delta.tool_calls ?? []) {
      const entry = out.toolCalls.get(call.index) ?? { id: "", name: "", args: "" };
      if (call.id) entry.id = call.id;
      if (call.function?.name) entry.name = call.function.name;
      entry.args += call.function?.arguments ?? "";
      out.toolCalls.set(call.index, entry);
    }
  }
  return out;
}

describe.each([...PROVIDER_CASES, ...OPENAI_WIRE_CASES].map((c) => [c.label ?? c.id, c] as const))(
  "conformance: %s",
  (_id, c: ProviderCase) => {
    let running: RunningFake;
    let client: OpenAI;
    const model = c.model;
    const user = (content: string): OpenAI.Chat.ChatCompletionMessageParam => ({ role: "user", content });
    /** Asks the model to describe one image (a data URL or an https URL). */
    const describeImage = (url: string) =>
      client.chat.completions.create({
        model,
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "describe this" },
              { type: "image_url", image_url: { url } },
            ],
          },
        ],
      });

    beforeAll(async () => {
      running = await c.start();
      client = new OpenAI({
        apiKey: running.apiKey,
        baseURL: `${gateway.url}/v1`,
        maxRetries: 0,
        defaultHeaders: {
          "x-portkey-api-key": gateway.apiKey,
          "x-portkey-provider": c.id,
          "x-portkey-custom-host": running.customHost,
          ...running.headers,
        },
      });
    });
    afterAll(async () => {
      await running.fake.close();
    });
    beforeEach(() => running.fake.reset());

    it("plain chat: answer, finish reason, usage", async () => {
      const res = await client.chat.completions.create({ model, messages: [user("hello there")] });
      expect(res.object).toBe("chat.completion");
      expect(res.choices[0]?.message.content).toBe("You said: hello there");
      expect(res.choices[0]?.finish_reason).toBe("stop");
      expect(res.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 4, total_tokens: 6 });
    });

    it.runIf(can(c, "system"))(`system prompt reaches the model${skipNote(c, "system")}`, async () => {
      const res = await client.chat.completions.create({
        model,
        messages: [{ role: "system", content: "Be terse." }, user("hi")],
      });
      expect(res.choices[0]?.message.content).toBe("You said: hi [system: Be terse.]");
    });

    it.runIf(can(c, "multiTurn"))(`multi-turn conversation${skipNote(c, "multiTurn")}`, async () => {
      const res = await client.chat.completions.create({
        model,
        messages: [user("first question"), { role: "assistant", content: "first answer" }, user("second question")],
      });
      expect(res.choices[0]?.message.content).toBe("You said: second question [turns: 2]");
    });

    it.runIf(can(c, "tools"))(`tool call round trip${skipNote(c, "tools")}`, async () => {
      // Act 1: the model asks for the tool
      const first = await client.chat.completions.create({
        model,
        messages: [user("what is the weather in Paris?")],
        tools: [WEATHER_TOOL],
      });
      const call = first.choices[0]?.message.tool_calls?.[0];
      expect(first.choices[0]?.finish_reason).toBe("tool_calls");
      expect(call?.type).toBe("function");
      if (call?.type !== "function") throw new Error("expected a function tool call");
      expect(call.function.name).toBe("get_weather");
      expect(JSON.parse(call.function.arguments)).toEqual({ city: "Paris" });
      expect(call.id).toBeTruthy();

      // Act 2: the tool result goes back
      const second = await client.chat.completions.create({
        model,
        tools: [WEATHER_TOOL],
        messages: [
          user("what is the weather in Paris?"),
          { role: "assistant", content: null, tool_calls: [call] },
          { role: "tool", tool_call_id: call.id, content: "sunny 21C" },
        ],
      });
      expect(second.choices[0]?.message.content).toBe("The tool said: sunny 21C");
      expect(second.choices[0]?.finish_reason).toBe("stop");
    });

    it.runIf(can(c, "imageData"))(`image input as a base64 data URL${skipNote(c, "imageData")}`, async () => {
      const res = await describeImage(PNG_1PX);
      expect(res.choices[0]?.message.content).toBe("You said: describe this [images: 1]");
    });

    it.runIf(can(c, "imageUrl"))(`image input as an https URL${skipNote(c, "imageUrl")}`, async () => {
      const res = await describeImage(running.imageUrl ?? "https://example.com/cat.png");
      expect(res.choices[0]?.message.content).toBe("You said: describe this [images: 1]");
    });

    it.runIf(can(c, "stream"))(`streaming text${skipNote(c, "stream")}`, async () => {
      const stream = await client.chat.completions.create({
        model,
        messages: [user("one two three four five")],
        stream: true,
      });
      const out = await collect(stream);
      expect(out.text).toBe("You said: one two three four five");
      expect(out.finish).toBe("stop");
      expect(out.chunks).toBeGreaterThanOrEqual(7);
      expect(out.usage ?? null).toBeNull();
    });

    it.runIf(can(c, "streamTools"))(`streaming tool call${skipNote(c, "streamTools")}`, async () => {
      const stream = await client.chat.completions.create({
        model,
        messages: [user("weather in Paris please")],
        tools: [WEATHER_TOOL],
        stream: true,
      });
      const out = await collect(stream);
      expect(out.finish).toBe("tool_calls");
      expect(out.toolCalls.size).toBe(1);
      const call = out.toolCalls.get(0);
      expect(call?.name).toBe("get_weather");
      expect(call?.id).toBeTruthy();
      expect(JSON.parse(call?.args ?? "")).toEqual({ city: "Paris" });
    });

    it.runIf(can(c, "streamUsage"))(`streamed usage with include_usage${skipNote(c, "streamUsage")}`, async () => {
      const stream = await client.chat.completions.create({
        model,
        messages: [user("count these words")],
        stream: true,
        stream_options: { include_usage: true },
      });
      const out = await collect(stream);
      expect(out.text).toBe("You said: count these words");
      expect(out.lastChoices).toBe(0);
      expect(out.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 });
    });

    it.runIf(can(c, "maxTokens"))(
      `max_tokens cuts the answer with finish_reason length${skipNote(c, "maxTokens")}`,
      async () => {
        const res = await client.chat.completions.create({ model, messages: [user("a b c d e")], max_tokens: 3 });
        expect(res.choices[0]?.message.content).toBe("You said: a");
        expect(res.choices[0]?.finish_reason).toBe("length");
        const stream = await client.chat.completions.create({
          model,
          messages: [user("a b c d e")],
          max_tokens: 3,
          stream: true,
        });
        const out = await collect(stream);
        expect(out.text).toBe("You said: a");
        expect(out.finish).toBe("length");
      },
    );

    it("a wrong credential is the upstream's auth error, typed by the SDK", async () => {
      const headers = running.badCredentialHeaders ?? { authorization: "Bearer definitely-wrong" };
      const err = await client.chat.completions
        .create({ model, messages: [user("hi")] }, { headers })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(c.badKeyStatus);
    });

    it.each([
      [400, OpenAI.BadRequestError],
      [401, OpenAI.AuthenticationError],
      [429, OpenAI.RateLimitError],
      [500, OpenAI.InternalServerError],
    ] as const)("upstream %i becomes the SDK's typed error with the provider's message", async (status, ErrorClass) => {
      running.fake.enqueueFaults(running.errorFault(status));
      const err = await client.chat.completions.create({ model, messages: [user("hi")] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ErrorClass);
      expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(status);
      expect((err as Error).message).toContain(`error ${status}`);
      expect(JSON.stringify((err as InstanceType<typeof OpenAI.APIError>).error)).toContain(`${status}`);
    });
  },
);
