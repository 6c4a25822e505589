import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RequestSummary } from "../../shared/logging/request-summary";
import { computeCost } from "../../shared/pricing/cost";
import { type AnthropicFake, startAnthropicFake, thinkingSignature } from "../fakes/anthropic-fake";
import { startTestGateway, type TestGateway } from "../support/local-gateway";

/**
 * Anthropic extended thinking and prompt caching through the unmodified `openai` SDK: thinking arrives as
 * `reasoning_content` (and Portkey's signed `content_blocks` with strict compliance off), a tool-use turn
 * continues with the thinking sent back, and cache reads/writes show up in usage and in the logged cost.
 */
const API_KEY = "sk-ant-fake-key";
const MODEL = "claude-sonnet-4-5";
const WEATHER_TOOL: OpenAI.Chat.ChatCompletionTool = {
  type: "function",
  function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } },
};

let gateway: TestGateway;
let fake: AnthropicFake;
const summaries: RequestSummary[] = [];

function client(headers: Record<string, string> = {}): OpenAI {
  return new OpenAI({
    apiKey: API_KEY,
    baseURL: `${gateway.url}/v1`,
    maxRetries: 0,
    defaultHeaders: {
      "x-portkey-api-key": gateway.apiKey,
      "x-portkey-provider": "anthropic",
      "x-portkey-custom-host": fake.baseUrl,
      ...headers,
    },
  });
}

/** Fields the SDK does not type (Portkey's and DeepSeek's extensions). */
type Extended = { reasoning_content?: string; content_blocks?: Record<string, unknown>[] };

beforeAll(async () => {
  fake = await startAnthropicFake({ apiKey: API_KEY });
  gateway = await startTestGateway({ observer: { finish: (s) => summaries.push(s) } });
});
afterAll(async () => {
  await gateway.stop();
  await fake.close();
});

describe("anthropic extended thinking through the openai SDK", () => {
  it("returns thinking as reasoning_content for reasoning_effort (JSON)", async () => {
    const res = await client().chat.completions.create({
      model: MODEL,
      reasoning_effort: "low",
      messages: [{ role: "user", content: "hello there" }],
    });
    const message = res.choices[0]?.message as OpenAI.Chat.ChatCompletionMessage & Extended;
    expect(message.content).toBe("You said: hello there");
    expect(message.reasoning_content).toBe("The user wrote hello there.");
    expect(message.content_blocks).toBeUndefined();
    expect(fake.requests.at(-1)?.json()).toMatchObject({ thinking: { type: "enabled", budget_tokens: 1024 } });
  });

  it("streams reasoning_content deltas before the text", async () => {
    const stream = await client().chat.completions.create({
      model: MODEL,
      stream: true,
      messages: [{ role: "user", content: "hello there" }],
      // Portkey's own parameter, passed as Anthropic expects it
      ...({ thinking: { type: "enabled", budget_tokens: 2048 } } as object),
    });
    let reasoning = "";
    let text = "";
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as (OpenAI.Chat.ChatCompletionChunk.Choice.Delta & Extended) | undefined;
      if (delta?.reasoning_content) {
        expect(text).toBe(""); // reasoning comes first
        reasoning += delta.reasoning_content;
      }
      text += delta?.content ?? "";
    }
    expect(reasoning).toBe("The user wrote hello there.");
    expect(text).toBe("You said: hello there");
  });

  it("continues a tool-use conversation with the signed thinking blocks sent back (stream, strict off)", async () => {
    const lax = client({ "x-portkey-strict-open-ai-compliance": "false" });
    const ask: OpenAI.Chat.ChatCompletionMessageParam = { role: "user", content: "weather in Oslo" };
    const stream = await lax.chat.completions.create({
      model: MODEL,
      stream: true,
      reasoning_effort: "medium",
      tools: [WEATHER_TOOL],
      messages: [ask],
    });
    const blocks = new Map<number, { thinking: string; signature: string }>();
    let call = { id: "", name: "", args: "" };
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as (OpenAI.Chat.ChatCompletionChunk.Choice.Delta & Extended) | undefined;
      for (const b of (delta?.content_blocks ?? []) as { index: number; delta: Record<string, string> }[]) {
        const block = blocks.get(b.index) ?? { thinking: "", signature: "" };
        block.thinking += b.delta.thinking ?? "";
        block.signature += b.delta.signature ?? "";
        blocks.set(b.index, block);
      }
      const tc = delta?.tool_calls?.[0];
      if (tc)
        call = {
          id: tc.id ?? call.id,
          name: tc.function?.name ?? call.name,
          args: call.args + (tc.function?.arguments ?? ""),
        };
    }
    const thinking = blocks.get(0);
    expect(thinking?.signature).toBe(thinkingSignature(thinking?.thinking ?? ""));
    expect(call.name).toBe("get_weather");

    const assistant = {
      role: "assistant",
      content: [{ type: "thinking", ...thinking }],
      tool_calls: [{ id: call.id, type: "function", function: { name: call.name, arguments: call.args } }],
    } as unknown as OpenAI.Chat.ChatCompletionMessageParam;
    const next = await lax.chat.completions.create({
      model: MODEL,
      reasoning_effort: "medium",
      tools: [WEATHER_TOOL],
      messages: [ask, assistant, { role: "tool", tool_call_id: call.id, content: "sunny" }],
    });
    expect(next.choices[0]?.message.content).toBe("The tool said: sunny");
    const blocksBack = (next.choices[0]?.message as Extended | undefined)?.content_blocks;
    expect(blocksBack?.[0]).toMatchObject({ type: "thinking", signature: expect.any(String) });
  });
});

describe("anthropic prompt caching through the openai SDK", () => {
  it("reports cache reads as cached_tokens and bills writes and reads at their rates", async () => {
    const manual = "The manual says many things about the product in great detail.";
    const messages = [
      { role: "system", content: [{ type: "text", text: manual, cache_control: { type: "ephemeral" } }] },
      { role: "user", content: "what does it say" },
    ] as OpenAI.Chat.ChatCompletionMessageParam[];
    const first = await client().chat.completions.create({ model: MODEL, messages });
    const written = summaries.at(-1)?.usage;
    const second = await client().chat.completions.create({ model: MODEL, messages });
    const read = summaries.at(-1)?.usage;
    const prefix = manual.split(" ").length;
    expect(first.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
    expect(written).toMatchObject({ cache_creation_tokens: prefix, cached_tokens: 0 });
    expect(second.usage?.prompt_tokens_details?.cached_tokens).toBe(prefix);
    expect(second.usage?.prompt_tokens).toBe(first.usage?.prompt_tokens);
    expect(read).toMatchObject({ cache_creation_tokens: 0, cached_tokens: prefix });
    const cost = (u: typeof read) =>
      computeCost({ provider: "anthropic", model: MODEL, ...(u as NonNullable<typeof read>) }) ?? Number.NaN;
    const rest = (first.usage?.prompt_tokens ?? 0) - prefix;
    const output = first.usage?.completion_tokens ?? 0;
    expect(cost(written)).toBeCloseTo((rest * 3 + prefix * 3.75 + output * 15) / 1e6, 12);
    expect(cost(read)).toBeCloseTo((rest * 3 + prefix * 0.3 + output * 15) / 1e6, 12);
  });
});
