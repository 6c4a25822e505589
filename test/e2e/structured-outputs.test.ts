import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AnthropicFake, startAnthropicFake } from "../fakes/anthropic-fake";
import { startBedrockFake } from "../fakes/bedrock-fake";
import type { FakeServer } from "../fakes/fake-server";
import { startTestGateway } from "../support/local-gateway";

/**
 * OpenAI's `response_format` (json_schema, json_object) through providers without a JSON mode: the gateway forces
 * a tool whose input is the answer, and the client gets the JSON as the message content, whole and streamed.
 */
type Gateway = Awaited<ReturnType<typeof startTestGateway>>;
let gateway: Gateway;
let anthropic: AnthropicFake;
let bedrock: FakeServer;
const creds = { accessKeyId: "AKIAJSON", secretAccessKey: "json/secret", region: "us-east-1" };

beforeAll(async () => {
  [gateway, anthropic, bedrock] = await Promise.all([
    startTestGateway(),
    startAnthropicFake({ apiKey: "sk-ant" }),
    startBedrockFake(creds),
  ]);
});
afterAll(async () => {
  await Promise.all([anthropic.close(), bedrock.close(), gateway.stop()]);
});

const CASES = [
  {
    provider: "anthropic",
    model: "claude-sonnet-4-5",
    client: () =>
      new OpenAI({
        apiKey: "sk-ant",
        baseURL: `${gateway.url}/v1`,
        maxRetries: 0,
        defaultHeaders: {
          "x-portkey-api-key": gateway.apiKey,
          "x-portkey-provider": "anthropic",
          "x-portkey-custom-host": anthropic.baseUrl,
        },
      }),
    sent: () => anthropic.requests.at(-1)?.json() ?? {},
    forcedTool: (body: Record<string, unknown>) => ({
      choice: body.tool_choice,
      tools: (body.tools as { name: string; input_schema: unknown }[]).map((t) => [t.name, t.input_schema]),
    }),
  },
  {
    provider: "bedrock",
    model: "anthropic.claude-3-5-haiku-20241022-v1:0",
    client: () =>
      new OpenAI({
        apiKey: "unused",
        baseURL: `${gateway.url}/v1`,
        maxRetries: 0,
        defaultHeaders: {
          "x-portkey-api-key": gateway.apiKey,
          "x-portkey-provider": "bedrock",
          "x-portkey-custom-host": bedrock.origin,
          "x-portkey-aws-region": creds.region,
          "x-portkey-aws-access-key-id": creds.accessKeyId,
          "x-portkey-aws-secret-access-key": creds.secretAccessKey,
        },
      }),
    sent: () => bedrock.requests.at(-1)?.json() ?? {},
    forcedTool: (body: Record<string, unknown>) => {
      type ToolSpec = { name: string; inputSchema: { json: unknown } };
      const config = body.toolConfig as { toolChoice: { tool: unknown }; tools: { toolSpec: ToolSpec }[] };
      return {
        choice: config.toolChoice,
        tools: config.tools.map((t) => [t.toolSpec.name, t.toolSpec.inputSchema.json]),
      };
    },
  },
] as const;

const schema = {
  type: "object",
  properties: { city: { type: "string" }, population: { type: "integer" } },
  required: ["city", "population"],
  additionalProperties: false,
};
const jsonSchema = { type: "json_schema", json_schema: { name: "city_facts", schema, strict: true } } as const;

describe.each(CASES)("$provider structured outputs", (c) => {
  it("json_schema: a forced tool upstream, the JSON as message content (not a tool call)", async () => {
    const res = await c
      .client()
      .chat.completions.create({
        model: c.model,
        messages: [{ role: "user", content: "Paris" }],
        response_format: jsonSchema,
      })
      .withResponse();
    const choice = res.data.choices[0];
    expect(JSON.parse(choice?.message.content ?? "")).toEqual({ city: "Paris", population: 42 });
    expect(choice?.message.tool_calls).toBeUndefined();
    expect(choice?.finish_reason).toBe("stop");
    const forced = c.forcedTool(c.sent());
    expect(forced.tools).toEqual([["json_answer", schema]]);
    expect(JSON.stringify(forced.choice)).toContain('"json_answer"');
    // strict is not guaranteed by a forced tool: reported
    expect(res.response.headers.get("x-portkey-dropped-params")).toContain("response_format.json_schema.strict");
  });

  it("json_schema streamed: the tool's argument deltas arrive as content deltas", async () => {
    const stream = await c.client().chat.completions.create({
      model: c.model,
      messages: [{ role: "user", content: "Lyon" }],
      response_format: jsonSchema,
      stream: true,
    });
    let content = "";
    const finishes: string[] = [];
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      expect(choice?.delta.tool_calls).toBeUndefined();
      content += choice?.delta.content ?? "";
      if (choice?.finish_reason) finishes.push(choice.finish_reason);
    }
    expect(JSON.parse(content)).toEqual({ city: "Lyon", population: 42 });
    expect(finishes).toEqual(["stop"]);
  });

  it("json_object: any JSON object, through a forced tool with an open object schema", async () => {
    const res = await c.client().chat.completions.create({
      model: c.model,
      messages: [{ role: "user", content: "hello there" }],
      response_format: { type: "json_object" },
    });
    expect(JSON.parse(res.choices[0]?.message.content ?? "")).toEqual({ answer: "hello there" });
    expect(c.forcedTool(c.sent()).tools).toEqual([["json_answer", { type: "object" }]]);
  });

  it("refuses response_format with the client's own tools (400 naming response_format), nothing sent", async () => {
    const before = c.provider === "anthropic" ? anthropic.requests.length : bedrock.requests.length;
    const err = await c
      .client()
      .chat.completions.create({
        model: c.model,
        messages: [{ role: "user", content: "x" }],
        response_format: jsonSchema,
        tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("response_format");
    expect(c.provider === "anthropic" ? anthropic.requests.length : bedrock.requests.length).toBe(before);
  });
});
