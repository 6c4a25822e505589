import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GoogleFake, geminiThoughtFor, startGoogleFake } from "../fakes/google-fake";
import { startTestGateway, type TestGateway } from "../support/local-gateway";

/**
 * Gemini thinking through the unmodified `openai` SDK: `reasoning_effort` and Portkey's `thinking` become
 * `generationConfig.thinkingConfig`, thought summaries arrive as `reasoning_content` (before the text when
 * streamed) and thought tokens as `completion_tokens_details.reasoning_tokens`.
 */
const API_KEY = "google-fake-key";
const MODEL = "gemini-2.5-flash";

let gateway: TestGateway;
let fake: GoogleFake;

/** Fields the SDK does not type (DeepSeek's and Portkey's `reasoning_content`). */
type Extended = { reasoning_content?: string };

function client(): OpenAI {
  return new OpenAI({
    apiKey: API_KEY,
    baseURL: `${gateway.url}/v1`,
    maxRetries: 0,
    defaultHeaders: {
      "x-portkey-api-key": gateway.apiKey,
      "x-portkey-provider": "google",
      "x-portkey-custom-host": fake.baseUrl,
    },
  });
}

beforeAll(async () => {
  fake = await startGoogleFake({ apiKey: API_KEY });
  gateway = await startTestGateway();
});
afterAll(async () => {
  await gateway.stop();
  await fake.close();
});

describe("gemini thinking through the openai SDK", () => {
  it("returns thought summaries as reasoning_content and counts reasoning tokens (JSON)", async () => {
    const res = await client().chat.completions.create({
      model: MODEL,
      reasoning_effort: "medium",
      messages: [{ role: "user", content: "hello there" }],
    });
    const message = res.choices[0]?.message as OpenAI.Chat.ChatCompletionMessage & Extended;
    expect(message.reasoning_content).toBe(geminiThoughtFor("hello there"));
    expect(message.content).toBeTruthy();
    expect(message.content).not.toContain("Thinking about");
    const thoughts = geminiThoughtFor("hello there").split(" ").length;
    expect(res.usage?.completion_tokens_details?.reasoning_tokens).toBe(thoughts);
    expect(fake.requests.at(-1)?.json()).toMatchObject({
      generationConfig: { thinkingConfig: { thinkingBudget: 8192, includeThoughts: true } },
    });
  });

  it("streams reasoning_content deltas before the text for Portkey's thinking parameter", async () => {
    const stream = await client().chat.completions.create({
      model: MODEL,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "hello there" }],
      ...({ thinking: { type: "enabled", budget_tokens: 2048 } } as object),
    });
    let reasoning = "";
    let text = "";
    let reasoningTokens: number | undefined;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as (OpenAI.Chat.ChatCompletionChunk.Choice.Delta & Extended) | undefined;
      if (delta?.reasoning_content) {
        expect(text).toBe(""); // reasoning comes first
        reasoning += delta.reasoning_content;
      }
      text += delta?.content ?? "";
      reasoningTokens = chunk.usage?.completion_tokens_details?.reasoning_tokens ?? reasoningTokens;
    }
    expect(reasoning).toBe(geminiThoughtFor("hello there"));
    expect(text).toBeTruthy();
    expect(reasoningTokens).toBe(geminiThoughtFor("hello there").split(" ").length);
    expect(fake.requests.at(-1)?.json()).toMatchObject({
      generationConfig: { thinkingConfig: { thinkingBudget: 2048, includeThoughts: true } },
    });
  });
});
