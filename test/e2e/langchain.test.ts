import { type AIMessage, type AIMessageChunk, HumanMessage, type ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { ChatOpenAI, OpenAIEmbeddings } from "@langchain/openai";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { fakeEmbedding } from "../fakes/openai-fake";
import { TOOL_ARGS } from "../fakes/scripted-reply";
import { type ClientProvider, PROVIDER_KEYS, useClientUpstreams } from "../support/client-upstreams";

/**
 * LangChain (`@langchain/openai` on `@langchain/core`), unmodified but for `configuration.baseURL` and its default
 * headers, through the local runtime: `ChatOpenAI` on chat completions (openai natively, anthropic translated) and
 * with `useResponsesApi: true` (openai natively, anthropic and groq through the chat layer): invoke, stream,
 * `bindTools` run to the final answer, `withStructuredOutput`, usage as the fakes report it; `OpenAIEmbeddings`.
 */
const env = useClientUpstreams();

const MODELS: Readonly<Record<ClientProvider, string>> = {
  openai: "gpt-4.1-mini",
  anthropic: "claude-sonnet-4-5",
  groq: "llama-3.3-70b-versatile",
};

function chat(provider: ClientProvider, useResponsesApi: boolean): ChatOpenAI {
  return new ChatOpenAI({
    model: MODELS[provider],
    apiKey: PROVIDER_KEYS[provider],
    maxRetries: 0,
    useResponsesApi,
    configuration: {
      baseURL: env.baseURL,
      defaultHeaders: env.headers(provider, useResponsesApi ? "responses" : "chat"),
    },
  });
}

const getWeather = tool(async ({ city }) => `sunny in ${city}`, {
  name: "get_weather",
  description: "The weather in a city",
  schema: z.object({ city: z.string() }),
});

const CASES: readonly { provider: ClientProvider; responses: boolean; endpoint: string }[] = [
  { provider: "openai", responses: false, endpoint: "chat" },
  { provider: "anthropic", responses: false, endpoint: "chat" },
  { provider: "openai", responses: true, endpoint: "responses" },
  { provider: "anthropic", responses: true, endpoint: "responses" },
  { provider: "groq", responses: true, endpoint: "responses" },
];

describe.each(CASES)("ChatOpenAI on $provider (useResponsesApi: $responses)", ({ provider, responses, endpoint }) => {
  it("invoke: the text and the usage the provider reported, and the log record", async () => {
    // Act
    const answer = await chat(provider, responses).invoke("hello there");

    // Assess: every fake answers "You said: <text>" and counts words as tokens
    expect(answer.text).toBe("You said: hello there");
    expect(answer.usage_metadata).toMatchObject({ input_tokens: 2, output_tokens: 4, total_tokens: 6 });
    const logged = await env.logged();
    expect(logged).toMatchObject({ endpoint, provider, status: 200, stream: false });
    expect(logged.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 4 });
  });

  it("stream: the chunks make the text, the usage arrives with the last", async () => {
    // Act
    const chunks: AIMessageChunk[] = [];
    for await (const chunk of await chat(provider, responses).stream("stream this please")) chunks.push(chunk);
    const whole = chunks.reduce((all, chunk) => all.concat(chunk));

    // Assess
    expect(chunks.filter((c) => c.text !== "").length).toBeGreaterThan(1);
    expect(whole.text).toBe("You said: stream this please");
    expect(whole.usage_metadata).toMatchObject({ input_tokens: 3, output_tokens: 5 });
    expect(await env.logged()).toMatchObject({ endpoint, provider, status: 200, stream: true });
  });

  it("bindTools: the tool call's arguments, then the final answer to its result", async () => {
    // Prepare
    const model = chat(provider, responses).bindTools([getWeather]);
    const question = new HumanMessage("What is the weather in Paris?");

    // Act
    const call: AIMessage = await model.invoke([question]);
    const toolCall = call.tool_calls?.[0];
    const result: ToolMessage = await getWeather.invoke({ ...toolCall, type: "tool_call" } as never);
    const answer = await model.invoke([question, call, result]);

    // Assess
    expect(call.tool_calls).toMatchObject([{ name: "get_weather", args: TOOL_ARGS }]);
    expect(result.content).toBe("sunny in Paris");
    expect(answer.text).toBe("The tool said: sunny in Paris");
  });

  it("withStructuredOutput: an object matching the zod schema", async () => {
    // Act
    const recipe = await chat(provider, responses)
      .withStructuredOutput(z.object({ name: z.string(), minutes: z.number(), vegan: z.boolean() }))
      .invoke("pancakes");

    // Assess: the fakes fill a schema with the prompt's text, 42 and true
    expect(recipe).toEqual({ name: "pancakes", minutes: 42, vegan: true });
  });
});

describe("OpenAIEmbeddings", () => {
  const embeddings = () =>
    new OpenAIEmbeddings({
      model: "text-embedding-3-small",
      apiKey: PROVIDER_KEYS.openai,
      maxRetries: 0,
      configuration: { baseURL: env.baseURL, defaultHeaders: env.headers("openai", "embeddings") },
    });

  it("embedQuery and embedDocuments: the provider's vectors, in order, and the log record", async () => {
    // Act
    const query = await embeddings().embedQuery("sunny day at the beach");
    const documents = await embeddings().embedDocuments(["one two", "three"]);

    // Assess
    expect(query).toEqual(fakeEmbedding("sunny day at the beach").map((v) => expect.closeTo(v, 6)));
    expect(documents).toHaveLength(2);
    expect(documents[1]).toEqual(fakeEmbedding("three").map((v) => expect.closeTo(v, 6)));
    const logged = await env.logged();
    expect(logged).toMatchObject({ endpoint: "embeddings", provider: "openai", status: 200 });
    expect(logged.usage).toMatchObject({ prompt_tokens: 5 });
  });
});
