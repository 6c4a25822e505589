import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GoogleFake, geminiThoughtFor, SKIP_THOUGHT_SIGNATURE, startGoogleFake } from "../fakes/google-fake";
import { TOOL_ARGS } from "../fakes/scripted-reply";
import { startVertexFake, type VertexFake } from "../fakes/vertex-fake";
import { startTestGateway, type TestGateway } from "../support/local-gateway";

/**
 * Gemini 3 through the unmodified `openai` SDK: `reasoning_effort` becomes `thinkingConfig.thinkingLevel` (the
 * levels each family accepts) where Gemini 2.5 gets a `thinkingBudget`, and a tool call's thought signature comes
 * back as `tool_calls[].extra_content.google.thought_signature` and goes back to Gemini on the next request (the
 * fake refuses an unsigned or altered function call, as Gemini 3 does). On google and on vertex-ai.
 */
const API_KEY = "google-fake-key";
const FLASH = "gemini-3-flash-preview";

let gateway: TestGateway;
let google: GoogleFake;
let vertex: VertexFake;

type Json = Record<string, unknown>;
/** The Gemini-specific field Google's OpenAI-compatible endpoint adds to a tool call (untyped in the SDK). */
type SignedCall = OpenAI.Chat.ChatCompletionMessageFunctionToolCall & {
  extra_content?: { google?: { thought_signature?: string } };
};

function googleClient(): OpenAI {
  return new OpenAI({
    apiKey: API_KEY,
    baseURL: `${gateway.url}/v1`,
    maxRetries: 0,
    defaultHeaders: {
      "x-portkey-api-key": gateway.apiKey,
      "x-portkey-provider": "google",
      "x-portkey-custom-host": google.baseUrl,
    },
  });
}

function vertexClient(): OpenAI {
  return new OpenAI({
    apiKey: vertex.staticToken,
    baseURL: `${gateway.url}/v1`,
    maxRetries: 0,
    defaultHeaders: {
      "x-portkey-api-key": gateway.apiKey,
      "x-portkey-provider": "vertex-ai",
      "x-portkey-custom-host": vertex.origin,
      "x-portkey-vertex-region": "us-central1",
      "x-portkey-vertex-project-id": "gemini-3-project",
    },
  });
}

/** The `generateContent` bodies the fake received, last first. */
function lastGeminiBody(fake: GoogleFake | VertexFake): Json {
  const request = fake.requests.filter((r) => /generateContent/i.test(r.path)).at(-1);
  return request?.json() ?? {};
}

function thinkingConfigSent(fake: GoogleFake | VertexFake): unknown {
  return (lastGeminiBody(fake).generationConfig as Json | undefined)?.thinkingConfig;
}

/** The `thoughtSignature` of each function call part the fake received. */
function signaturesSent(fake: GoogleFake | VertexFake): unknown[] {
  const contents = (lastGeminiBody(fake).contents ?? []) as { parts: Json[] }[];
  return contents.flatMap((c) => c.parts.filter((p) => p.functionCall).map((p) => p.thoughtSignature));
}

const weatherTool: OpenAI.Chat.ChatCompletionTool = {
  type: "function",
  function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } },
};
const question: OpenAI.Chat.ChatCompletionMessageParam = { role: "user", content: "What is the weather in Paris?" };

beforeAll(async () => {
  google = await startGoogleFake({ apiKey: API_KEY });
  vertex = await startVertexFake({ project: "gemini-3-project" });
  gateway = await startTestGateway();
});
afterAll(async () => {
  await gateway.stop();
  await Promise.all([google.close(), vertex.close()]);
});

describe("reasoning_effort on Gemini 3 and Gemini 2.5", () => {
  it("sends a thinkingLevel to Gemini 3 Flash and returns the thought summary", async () => {
    const res = await googleClient().chat.completions.create({
      model: FLASH,
      reasoning_effort: "medium",
      messages: [{ role: "user", content: "hello there" }],
    });
    expect(thinkingConfigSent(google)).toEqual({ thinkingLevel: "medium", includeThoughts: true });
    const message = res.choices[0]?.message as OpenAI.Chat.ChatCompletionMessage & { reasoning_content?: string };
    expect(message.reasoning_content).toBe(geminiThoughtFor("hello there"));
    expect(res.usage?.completion_tokens_details?.reasoning_tokens).toBeGreaterThan(0);
  });

  it("maps each effort to a level the model family accepts", async () => {
    const cases: [string, OpenAI.ReasoningEffort, Json][] = [
      [FLASH, "minimal", { thinkingLevel: "minimal", includeThoughts: true }],
      [FLASH, "none", { thinkingLevel: "minimal" }], // Gemini 3 cannot turn thinking off
      ["gemini-3-pro-preview", "minimal", { thinkingLevel: "low", includeThoughts: true }],
      ["gemini-3-pro-preview", "medium", { thinkingLevel: "high", includeThoughts: true }], // 3 Pro: low/high only
      ["gemini-3.1-pro-preview", "medium", { thinkingLevel: "medium", includeThoughts: true }],
      ["gemini-3.1-pro-preview", "none", { thinkingLevel: "low" }],
    ];
    for (const [model, effort, sent] of cases) {
      const res = await googleClient().chat.completions.create({
        model,
        reasoning_effort: effort,
        messages: [{ role: "user", content: "hi" }],
      });
      expect(res.choices[0]?.message.content, `${model} ${effort}`).toBeTruthy();
      expect(thinkingConfigSent(google), `${model} ${effort}`).toEqual(sent);
    }
  });

  it("keeps a thinkingBudget for Gemini 2.5, which refuses a level", async () => {
    await googleClient().chat.completions.create({
      model: "gemini-2.5-flash",
      reasoning_effort: "high",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(thinkingConfigSent(google)).toEqual({ thinkingBudget: 24576, includeThoughts: true });
  });

  it("sends a thinkingLevel to Gemini 3 on vertex-ai", async () => {
    const res = await vertexClient().chat.completions.create({
      model: "gemini-3-pro-preview",
      reasoning_effort: "low",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(res.choices[0]?.message.content).toBeTruthy();
    expect(thinkingConfigSent(vertex)).toEqual({ thinkingLevel: "low", includeThoughts: true });
  });
});

describe("thought signatures across a tool-call turn", () => {
  async function twoTurns(client: OpenAI, model: string): Promise<void> {
    const first = await client.chat.completions.create({ model, tools: [weatherTool], messages: [question] });
    const message = first.choices[0]?.message;
    const call = message?.tool_calls?.[0] as SignedCall | undefined;
    const signature = call?.extra_content?.google?.thought_signature;
    expect(signature).toBeTruthy();
    // the client sends the assistant message back as it came, as OpenAI's docs show
    const second = await client.chat.completions.create({
      model,
      tools: [weatherTool],
      messages: [
        question,
        message as OpenAI.Chat.ChatCompletionMessageParam,
        { role: "tool", tool_call_id: String(call?.id), content: "sunny, 21C" },
      ],
    });
    expect(second.choices[0]?.message.content).toContain("sunny, 21C");
  }

  it("returns the signature on the tool call and sends it back (JSON)", async () => {
    await twoTurns(googleClient(), FLASH);
    expect(signaturesSent(google)).toHaveLength(1);
    expect(signaturesSent(google)[0]).not.toBe(SKIP_THOUGHT_SIGNATURE);
  });

  it("round-trips the signature on vertex-ai", async () => {
    await twoTurns(vertexClient(), "gemini-3-pro-preview");
    expect(signaturesSent(vertex)[0]).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });

  it("streams the signature on the tool call's first delta and sends it back", async () => {
    const client = googleClient();
    const stream = await client.chat.completions.create({
      model: FLASH,
      stream: true,
      tools: [weatherTool],
      messages: [question],
    });
    let id = "";
    let name = "";
    let args = "";
    let signature: string | undefined;
    for await (const chunk of stream) {
      for (const delta of (chunk.choices[0]?.delta.tool_calls ??
        []) as (OpenAI.Chat.ChatCompletionChunk.Choice.Delta.ToolCall & Pick<SignedCall, "extra_content">)[]) {
        id ||= delta.id ?? "";
        name ||= delta.function?.name ?? "";
        args += delta.function?.arguments ?? "";
        signature ??= delta.extra_content?.google?.thought_signature;
      }
    }
    expect(JSON.parse(args)).toEqual(TOOL_ARGS);
    expect(signature).toBeTruthy();
    const signed: SignedCall = {
      id,
      type: "function",
      function: { name, arguments: args },
      extra_content: { google: { thought_signature: signature } },
    };
    const assistant: OpenAI.Chat.ChatCompletionAssistantMessageParam = {
      role: "assistant",
      content: null,
      tool_calls: [signed],
    };
    const second = await client.chat.completions.create({
      model: FLASH,
      stream: true,
      tools: [weatherTool],
      messages: [question, assistant, { role: "tool", tool_call_id: id, content: "sunny, 21C" }],
    });
    let text = "";
    for await (const chunk of second) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toContain("sunny, 21C");
    expect(signaturesSent(google)).toEqual([signature]);
  });

  it("accepts Portkey's function.thought_signature on a call sent back", async () => {
    const client = googleClient();
    const first = await client.chat.completions.create({ model: FLASH, tools: [weatherTool], messages: [question] });
    const call = first.choices[0]?.message.tool_calls?.[0] as SignedCall;
    const signature = String(call.extra_content?.google?.thought_signature);
    const portkeyStyle = {
      id: call.id,
      type: "function",
      function: { name: call.function.name, arguments: call.function.arguments, thought_signature: signature },
    };
    await client.chat.completions.create({
      model: FLASH,
      tools: [weatherTool],
      messages: [
        question,
        { role: "assistant", content: null, tool_calls: [portkeyStyle] } as OpenAI.Chat.ChatCompletionMessageParam,
        { role: "tool", tool_call_id: call.id, content: "sunny" },
      ],
    });
    expect(signaturesSent(google)).toEqual([signature]);
  });

  it("sends Google's skip signature for a call that comes back without one", async () => {
    const client = googleClient();
    const first = await client.chat.completions.create({ model: FLASH, tools: [weatherTool], messages: [question] });
    const call = first.choices[0]?.message.tool_calls?.[0] as SignedCall;
    // a client that keeps only OpenAI's fields
    const stripped = { id: call.id, type: "function" as const, function: call.function };
    const second = await client.chat.completions.create({
      model: FLASH,
      tools: [weatherTool],
      messages: [
        question,
        { role: "assistant", content: null, tool_calls: [stripped] },
        { role: "tool", tool_call_id: call.id, content: "sunny" },
      ],
    });
    expect(second.choices[0]?.message.content).toContain("sunny");
    expect(signaturesSent(google)).toEqual([SKIP_THOUGHT_SIGNATURE]);
  });

  it("passes Gemini's 400 through for an altered signature", async () => {
    const client = googleClient();
    const first = await client.chat.completions.create({ model: FLASH, tools: [weatherTool], messages: [question] });
    const call = first.choices[0]?.message.tool_calls?.[0] as SignedCall;
    const altered = { ...call, extra_content: { google: { thought_signature: "QUJD" } } };
    const attempt = client.chat.completions.create({
      model: FLASH,
      tools: [weatherTool],
      messages: [
        question,
        { role: "assistant", content: null, tool_calls: [altered] },
        { role: "tool", tool_call_id: call.id, content: "sunny" },
      ],
    });
    await expect(attempt).rejects.toMatchObject({ status: 400, error: { type: "invalid_argument" } });
  });

  it("refuses a signature that is not a string with a 400 naming it", async () => {
    const numbered = {
      id: "c1",
      type: "function" as const,
      function: { name: "get_weather", arguments: "{}" },
      extra_content: { google: { thought_signature: 7 } },
    };
    const attempt = googleClient().chat.completions.create({
      model: FLASH,
      tools: [weatherTool],
      messages: [
        question,
        {
          role: "assistant",
          content: null,
          tool_calls: [numbered],
        },
        { role: "tool", tool_call_id: "c1", content: "sunny" },
      ],
    });
    await expect(attempt).rejects.toMatchObject({
      status: 400,
      error: { param: "messages[1].tool_calls[0].extra_content.google.thought_signature" },
    });
  });
});

describe("the google fake keeps Gemini 3's rules", () => {
  async function post(model: string, body: Json): Promise<{ status: number; message: string }> {
    const res = await fetch(`${google.baseUrl}/models/${model}:generateContent`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": API_KEY },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as { error?: { message: string } };
    return { status: res.status, message: json.error?.message ?? "" };
  }
  const user = { role: "user", parts: [{ text: "What is the weather in Paris?" }] };

  it("refuses an unsigned function call in the current turn, a level with a budget, and a level on Gemini 2.5", async () => {
    const unsigned = await post(FLASH, {
      contents: [
        user,
        { role: "model", parts: [{ functionCall: { name: "get_weather", args: {} } }] },
        { role: "user", parts: [{ functionResponse: { name: "get_weather", response: { content: "sunny" } } }] },
      ],
    });
    expect(unsigned).toMatchObject({ status: 400, message: expect.stringContaining("missing a thought_signature") });
    const both = await post(FLASH, {
      contents: [user],
      generationConfig: { thinkingConfig: { thinkingLevel: "low", thinkingBudget: 1024 } },
    });
    expect(both).toMatchObject({ status: 400, message: expect.stringContaining("only one of thinking budget") });
    const old = await post("gemini-2.5-flash", {
      contents: [user],
      generationConfig: { thinkingConfig: { thinkingLevel: "low" } },
    });
    expect(old.status).toBe(400);
  });
});
