import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BedrockFake,
  bedrockReasoningFor,
  bedrockReasoningSignature,
  startBedrockFake,
} from "../fakes/bedrock-fake";
import { startTestGateway, type TestGateway } from "../support/local-gateway";

/**
 * Claude's extended thinking on Bedrock Converse through the unmodified `openai` SDK: `reasoning_effort` becomes
 * `additionalModelRequestFields.thinking`, `reasoningContent` comes back as `reasoning_content` (signed
 * `content_blocks` with strict compliance off), and a tool-use turn continues with the reasoning sent back.
 */
const REGION = "us-east-1";
const CREDS = { accessKeyId: "AKIAREASONINGFAKE1", secretAccessKey: "reasoning/secret" };
const MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const WEATHER_TOOL: OpenAI.Chat.ChatCompletionTool = {
  type: "function",
  function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } },
};

type Extended = { reasoning_content?: string; content_blocks?: Record<string, unknown>[] };

let gateway: TestGateway;
let bedrock: BedrockFake;

function client(headers: Record<string, string> = {}): OpenAI {
  return new OpenAI({
    apiKey: "unused",
    baseURL: `${gateway.url}/v1`,
    maxRetries: 0,
    defaultHeaders: {
      "x-portkey-api-key": gateway.apiKey,
      "x-portkey-provider": "bedrock",
      "x-portkey-custom-host": bedrock.origin,
      "x-portkey-aws-region": REGION,
      "x-portkey-aws-access-key-id": CREDS.accessKeyId,
      "x-portkey-aws-secret-access-key": CREDS.secretAccessKey,
      ...headers,
    },
  });
}

beforeAll(async () => {
  gateway = await startTestGateway();
  bedrock = await startBedrockFake({ ...CREDS, region: REGION });
});
afterAll(async () => {
  await bedrock?.close();
  await gateway?.stop();
});

describe("bedrock (Claude) thinking through the openai SDK", () => {
  it("returns reasoningContent as reasoning_content for reasoning_effort (JSON)", async () => {
    const res = await client().chat.completions.create({
      model: MODEL,
      reasoning_effort: "low",
      messages: [{ role: "user", content: "hello there" }],
    });
    const message = res.choices[0]?.message as OpenAI.Chat.ChatCompletionMessage & Extended;
    expect(message.reasoning_content).toBe(bedrockReasoningFor("hello there"));
    expect(message.content).toBeTruthy();
    expect(message.content_blocks).toBeUndefined();
    expect(bedrock.requests.at(-1)?.json()).toMatchObject({
      additionalModelRequestFields: { thinking: { type: "enabled", budget_tokens: 1024 } },
    });
  });

  it("continues a tool-use conversation with the signed reasoning sent back (stream, strict off)", async () => {
    const lax = client({ "x-portkey-strict-open-ai-compliance": "false" });
    const ask: OpenAI.Chat.ChatCompletionMessageParam = { role: "user", content: "weather in Oslo" };
    const stream = await lax.chat.completions.create({
      model: MODEL,
      stream: true,
      reasoning_effort: "medium",
      tools: [WEATHER_TOOL],
      messages: [ask],
    });
    let reasoning = "";
    let text = "";
    const block = { thinking: "", signature: "" };
    let call = { id: "", name: "", args: "" };
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as (OpenAI.Chat.ChatCompletionChunk.Choice.Delta & Extended) | undefined;
      if (delta?.reasoning_content) {
        expect(text).toBe(""); // reasoning comes first
        reasoning += delta.reasoning_content;
      }
      text += delta?.content ?? "";
      for (const b of (delta?.content_blocks ?? []) as { index: number; delta: Record<string, string> }[]) {
        block.thinking += b.delta.thinking ?? "";
        block.signature += b.delta.signature ?? "";
      }
      const tc = delta?.tool_calls?.[0];
      if (tc)
        call = {
          id: tc.id ?? call.id,
          name: tc.function?.name ?? call.name,
          args: call.args + (tc.function?.arguments ?? ""),
        };
    }
    expect(reasoning).toBe(bedrockReasoningFor("weather in Oslo"));
    expect(block).toEqual({ thinking: reasoning, signature: bedrockReasoningSignature(reasoning) });
    expect(call.name).toBe("get_weather");

    const assistant = {
      role: "assistant",
      content: [{ type: "thinking", ...block }],
      tool_calls: [{ id: call.id, type: "function", function: { name: call.name, arguments: call.args } }],
    } as unknown as OpenAI.Chat.ChatCompletionMessageParam;
    const next = await lax.chat.completions.create({
      model: MODEL,
      reasoning_effort: "medium",
      tools: [WEATHER_TOOL],
      messages: [ask, assistant, { role: "tool", tool_call_id: call.id, content: "sunny" }],
    });
    expect(next.choices[0]?.message.content).toBe("The tool said: sunny");
  });
});
