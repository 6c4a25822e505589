import { describe, expect, it } from "vitest";
import { BadRequestError } from "../../shared/core/errors";
import { anthropicAdapter } from "../../shared/providers/anthropic";
import { AnthropicStreamTranslator } from "../../shared/providers/anthropic-stream";
import { azureOpenAIAdapter } from "../../shared/providers/azure-openai";
import { createBedrockAdapter } from "../../shared/providers/bedrock";
import { BedrockStreamTranslator } from "../../shared/providers/bedrock-stream";
import { googleAdapter } from "../../shared/providers/google";
import { mistralAdapter, mistralToolCallId } from "../../shared/providers/mistral-ai";
import { MistralStreamTranslator } from "../../shared/providers/mistral-stream";
import { openAICompatible } from "../../shared/providers/openai-compatible";
import { readProviderOptions } from "../../shared/providers/provider-options";
import type { ProviderTarget, TransformContext } from "../../shared/providers/types";
import { bedrockExceptionFrame } from "../fakes/bedrock-fake";
import { thrown } from "../support/thrown";

function ctx(
  body: Record<string, unknown>,
  target: Partial<ProviderTarget> = {},
  endpoint: TransformContext["endpoint"] = "chat",
): TransformContext {
  return {
    endpoint,
    target: { provider: "x", apiKey: "key", ...target },
    body,
    rawBody: Buffer.from(JSON.stringify(body)),
    bodyChanged: false,
  };
}

function bodyOf(req: { body?: string | Buffer }): Record<string, unknown> {
  return JSON.parse(String(req.body)) as Record<string, unknown>;
}

const hello = { model: "m", messages: [{ role: "user", content: "hi" }] };

describe("anthropic", () => {
  it("extracts system prompts, defaults max_tokens to 4096, sends the version header and lists dropped params", () => {
    const req = anthropicAdapter.toRequest(
      ctx({
        ...hello,
        messages: [{ role: "system", content: "Be brief." }, ...hello.messages],
        seed: 3,
        logit_bias: { a: 1 },
      }),
    );
    expect(bodyOf(req)).toMatchObject({ system: "Be brief.", max_tokens: 4096, messages: [{ role: "user" }] });
    expect(req.headers["anthropic-version"]).toBe("2023-06-01");
    expect(req.headers["x-api-key"]).toBe("key");
    expect(req.droppedParams).toEqual(["seed", "logit_bias"]);
  });

  it("refuses what it cannot honour with a 400 naming the parameter", () => {
    expect(thrown(() => anthropicAdapter.toRequest(ctx({ ...hello, n: 2 }))).param).toBe("n");
    // response_format is answered through a forced tool, so it cannot be combined with the client's tools
    const tools = [{ type: "function", function: { name: "f", parameters: { type: "object" } } }];
    const json = thrown(() =>
      anthropicAdapter.toRequest(ctx({ ...hello, tools, response_format: { type: "json_object" } })),
    );
    expect(json).toBeInstanceOf(BadRequestError);
    expect(json.param).toBe("response_format");
    expect(() => anthropicAdapter.toRequest(ctx({ ...hello, n: 1, logprobs: false }))).not.toThrow();
  });

  it("reads 1-hour cache writes from usage.cache_creation (priced at 2x input)", () => {
    const usage = {
      input_tokens: 10,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 500,
      cache_creation: { ephemeral_5m_input_tokens: 200, ephemeral_1h_input_tokens: 300 },
      output_tokens: 2,
    };
    const res = anthropicAdapter.fromResponse(
      200,
      Buffer.from(JSON.stringify({ id: "m", model: "claude", content: [], stop_reason: "end_turn", usage })),
      ctx(hello),
    );
    expect(res.usage).toMatchObject({ prompt_tokens: 510, cache_creation_tokens: 500, cache_creation_1h_tokens: 300 });
  });

  it("maps tool_choice and parallel_tool_calls", () => {
    const tools = [{ type: "function", function: { name: "f", parameters: { type: "object" } } }];
    const req = anthropicAdapter.toRequest(
      ctx({ ...hello, tools, tool_choice: "required", parallel_tool_calls: false }),
    );
    expect(bodyOf(req).tool_choice).toEqual({ type: "any", disable_parallel_tool_use: true });
  });

  it("counts cache reads and writes in prompt tokens and reports cache reads as cached_tokens", () => {
    const res = anthropicAdapter.fromResponse(
      200,
      Buffer.from(
        JSON.stringify({
          id: "msg_1",
          model: "claude",
          content: [{ type: "text", text: "ok" }],
          stop_reason: "end_turn",
          usage: { input_tokens: 10, cache_read_input_tokens: 100, cache_creation_input_tokens: 5, output_tokens: 2 },
        }),
      ),
      ctx(hello),
    );
    expect(res.usage).toEqual({
      prompt_tokens: 115,
      completion_tokens: 2,
      total_tokens: 117,
      cached_tokens: 100,
      cache_creation_tokens: 5,
    });
    expect(JSON.parse(String(res.body)).usage.prompt_tokens_details).toEqual({ cached_tokens: 100 });
  });

  it("turns an error event mid-stream into an SSE error and ends the stream", () => {
    const t = new AnthropicStreamTranslator("claude", false);
    const out = t.push(
      Buffer.from(
        'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","model":"claude","usage":{"input_tokens":1,"output_tokens":1}}}\n\nevent: ping\ndata: {"type": "ping"}\n\nevent: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
      ),
    );
    expect(out).toContain('"role":"assistant"');
    expect(out).toContain('data: {"error":{"message":"Overloaded","type":"overloaded_error"');
    expect(t.finished).toBe(true);
    expect(t.error?.error.type).toBe("overloaded_error");
  });
});

describe("google", () => {
  it("builds the generateContent URL with the key header, and alt=sse for streams", () => {
    const req = googleAdapter.toRequest(ctx({ ...hello, model: "models/gemini-2.0-flash", stream: true }));
    expect(req.url).toBe(
      "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse",
    );
    expect(req.headers["x-goog-api-key"]).toBe("key");
  });

  it("answers a safety-blocked prompt with finish_reason content_filter", () => {
    const res = googleAdapter.fromResponse(
      200,
      Buffer.from(JSON.stringify({ promptFeedback: { blockReason: "SAFETY" } })),
      ctx(hello),
    );
    expect(JSON.parse(String(res.body)).choices[0].finish_reason).toBe("content_filter");
    const candidate = { candidates: [{ content: { parts: [] }, finishReason: "SAFETY" }] };
    const blocked = googleAdapter.fromResponse(200, Buffer.from(JSON.stringify(candidate)), ctx(hello));
    expect(JSON.parse(String(blocked.body)).choices[0].finish_reason).toBe("content_filter");
  });

  it("maps Gemini's error body, keeping its status name as code", () => {
    const body = Buffer.from(
      JSON.stringify({ error: { code: 429, message: "Quota exceeded", status: "RESOURCE_EXHAUSTED" } }),
    );
    expect(googleAdapter.mapError(429, body, ctx(hello))).toEqual({
      error: { message: "Quota exceeded", type: "resource_exhausted", param: null, code: "RESOURCE_EXHAUSTED" },
    });
  });
});

describe("bedrock", () => {
  const region = { awsRegion: "us-west-2" };

  it("signs with the Lambda role's env credentials (incl. session token) when the target has none", async () => {
    const adapter = createBedrockAdapter({
      env: { AWS_ACCESS_KEY_ID: "AKIAENV", AWS_SECRET_ACCESS_KEY: "s", AWS_SESSION_TOKEN: "tok" },
    });
    const c = ctx(hello, { apiKey: undefined, options: region });
    const signed = await adapter.sign?.(adapter.toRequest(c), c);
    expect(signed?.url).toBe("https://bedrock-runtime.us-west-2.amazonaws.com/model/m/converse");
    expect(signed?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAENV\/\d{8}\/us-west-2\/bedrock\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/,
    );
    expect(signed?.headers["x-amz-security-token"]).toBe("tok");
  });

  it("uses a Bedrock API key as Bearer when no AWS credentials are configured, and says what is missing otherwise", async () => {
    const adapter = createBedrockAdapter({ env: {} });
    const withKey = ctx(hello, { options: region });
    expect((await adapter.sign?.(adapter.toRequest(withKey), withKey))?.headers.authorization).toBe("Bearer key");
    const none = ctx(hello, { apiKey: undefined, options: region });
    await expect(adapter.sign?.(adapter.toRequest(none), none)).rejects.toMatchObject({ statusCode: 401 });
    expect(thrown(() => adapter.toRequest(ctx(hello, { options: {} }))).message).toContain("x-portkey-aws-region");
  });

  it("never builds a host from a region that is not one, wherever it comes from (target or AWS_REGION)", () => {
    const fromTarget = thrown(() =>
      createBedrockAdapter({ env: {} }).toRequest(ctx(hello, { options: { awsRegion: "x@127.0.0.1:9/#" } })),
    );
    expect(fromTarget).toMatchObject({ statusCode: 400, code: "invalid_provider_option", param: "awsRegion" });
    const fromEnv = thrown(() =>
      createBedrockAdapter({ env: { AWS_REGION: "evil.example.com/#" } }).toRequest(ctx(hello, { options: {} })),
    );
    expect(fromEnv.code).toBe("invalid_provider_option");
  });

  it("never signs with the role's credentials for a custom host the request names (a virtual key's host may)", async () => {
    const adapter = createBedrockAdapter({ env: { AWS_ACCESS_KEY_ID: "AKIAENV", AWS_SECRET_ACCESS_KEY: "s" } });
    const named = ctx(hello, { apiKey: undefined, customHost: "https://collector.example.com", options: region });
    await expect(adapter.sign?.(adapter.toRequest(named), named)).rejects.toMatchObject({
      statusCode: 400,
      code: "custom_host_with_ambient_credentials",
    });
    const stored = ctx(hello, { ...named.target, virtualKey: "bedrock-vpce" });
    const signed = await adapter.sign?.(adapter.toRequest(stored), stored);
    expect(signed?.headers.authorization).toContain("Credential=AKIAENV/");
  });

  it("refuses image URLs other than http(s) and tool_choice none (before any image is fetched)", () => {
    const adapter = createBedrockAdapter({ env: {} });
    const image = { role: "user", content: [{ type: "image_url", image_url: { url: "ftp://x/y.png" } }] };
    const refused = thrown(() => adapter.toRequest(ctx({ model: "m", messages: [image] }, { options: region })));
    expect(refused.statusCode).toBe(400);
    expect(refused.param).toBe("messages[0].content[0].image_url.url");
    const tools = [{ type: "function", function: { name: "f" } }];
    const byUrl = { role: "user", content: [{ type: "image_url", image_url: { url: "https://x/y.png" } }] };
    expect(
      thrown(() => adapter.toRequest(ctx({ ...hello, tools, tool_choice: "none" }, { options: region }))).param,
    ).toBe("tool_choice");
    expect(
      thrown(() =>
        adapter.toRequest(ctx({ model: "m", messages: [byUrl], tools, tool_choice: "none" }, { options: region })),
      ).param,
    ).toBe("tool_choice");
  });

  it("turns an exception frame into an SSE error event", () => {
    const t = new BedrockStreamTranslator("m", "id1", false);
    const out = t.push(bedrockExceptionFrame("throttlingException", "Too many requests"));
    expect(out).toContain('"message":"Too many requests","type":"throttlingException"');
    expect(t.finished).toBe(true);
    expect(t.error).toBeDefined();
  });
});

describe("mistral-ai", () => {
  it("renames seed, maps required to any, keeps safe_prompt and drops fields Mistral would 422 on", () => {
    const req = mistralAdapter.toRequest(
      ctx({
        ...hello,
        seed: 7,
        tool_choice: "required",
        safe_prompt: true,
        user: "u1",
        store: false,
        max_completion_tokens: 9,
        stream_options: { include_usage: true },
      }),
    );
    const body = bodyOf(req);
    expect(body).toMatchObject({ random_seed: 7, tool_choice: "any", safe_prompt: true, max_tokens: 9 });
    expect(body).not.toHaveProperty("seed");
    expect(body).not.toHaveProperty("store");
    expect(body).not.toHaveProperty("stream_options");
    expect(req.droppedParams).toEqual(["user", "stream_options"]);
  });

  it("rewrites tool-call ids to Mistral's 9 characters, the same way in the call and its result", () => {
    const messages = [
      { role: "user", content: "q" },
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "call_abcdefghijklmnop", type: "function", function: { name: "f", arguments: "{}" } }],
      },
      { role: "tool", tool_call_id: "call_abcdefghijklmnop", content: "r" },
    ];
    const sent = bodyOf(mistralAdapter.toRequest(ctx({ model: "m", messages }))).messages as Record<string, unknown>[];
    const calls = (sent[1]?.tool_calls ?? []) as { id: string }[];
    const id = calls[0]?.id;
    expect(id).toMatch(/^[a-zA-Z0-9]{9}$/);
    expect(sent[2]?.tool_call_id).toBe(id);
    expect(mistralToolCallId("abc123XYZ")).toBe("abc123XYZ");
  });

  it("moves the usage Mistral always streams to a final choices-less chunk, or removes it", () => {
    const last =
      'data: {"id":"1","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":2,"completion_tokens":3,"total_tokens":5}}\n\ndata: [DONE]\n\n';
    const withUsage = new MistralStreamTranslator(true);
    const out = withUsage.push(Buffer.from(last));
    expect(out).toContain('"choices":[],"usage":{"prompt_tokens":2');
    expect(withUsage.usage?.total_tokens).toBe(5);
    const without = new MistralStreamTranslator(false).push(Buffer.from(last));
    expect(without).not.toContain("usage");
    expect(without).toContain("data: [DONE]");
  });
});

describe("an OpenAI-compatible provider that honours stream_options.include_usage", () => {
  const adapter = openAICompatible({ id: "usage-x", baseUrl: "https://api.usage-x.test/v1", streamUsage: true });
  const streamed = (raw: string, changed: Record<string, unknown> | undefined = undefined): TransformContext => ({
    ...ctx(changed ?? (JSON.parse(raw) as Record<string, unknown>)),
    rawBody: Buffer.from(raw),
    bodyChanged: changed !== undefined,
  });

  it("adds include_usage to the client's own bytes when it named no stream options (nothing else rewritten)", () => {
    // Prepare: escapes, number forms and key order a re-serialisation would change
    const raw = '{"stream":true, "model":"m","messages":[{"role":"user","content":"caf\\u00e9"}],"temperature":1.0}\n ';
    // Act
    const req = adapter.toRequest(streamed(raw));
    // Assess
    expect(String(req.body)).toBe(
      '{"stream":true, "model":"m","messages":[{"role":"user","content":"caf\\u00e9"}],"temperature":1.0,"stream_options":{"include_usage":true}}',
    );
  });

  it("sets include_usage in stream options the client gave (false, null, other fields) and in a changed body", () => {
    // Act
    const off = bodyOf(
      adapter.toRequest(streamed('{"stream":true,"model":"m","stream_options":{"include_usage":false}}')),
    );
    const empty = bodyOf(adapter.toRequest(streamed('{"stream":true,"model":"m","stream_options":null}')));
    const other = bodyOf(adapter.toRequest(streamed('{"stream":true,"model":"m","stream_options":{"x":1}}')));
    const changed = bodyOf(
      adapter.toRequest(streamed('{"stream":true,"model":"@vk/m"}', { stream: true, model: "m" })),
    );
    // Assess
    expect(off.stream_options).toEqual({ include_usage: true });
    expect(empty.stream_options).toEqual({ include_usage: true });
    expect(other.stream_options).toEqual({ x: 1, include_usage: true });
    expect(changed).toEqual({ stream: true, model: "m", stream_options: { include_usage: true } });
  });
});

describe("azure-openai", () => {
  const options = { resourceName: "acme", deploymentId: "gpt4o", apiVersion: "2024-10-21" };

  it("builds the deployment URL with api-version and sends the key as api-key", () => {
    const req = azureOpenAIAdapter.toRequest(ctx(hello, { options }));
    expect(req.url).toBe(
      "https://acme.openai.azure.com/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21",
    );
    expect(req.headers["api-key"]).toBe("key");
    expect(req.headers.authorization).toBeUndefined();
    const emb = azureOpenAIAdapter.toRequest(ctx({ model: "e", input: "x" }, { options }, "embeddings"));
    expect(emb.url).toContain("/deployments/gpt4o/embeddings?api-version=");
  });

  it.each([
    ["resourceName", "evil.example.com#"],
    ["resourceName", "x@127.0.0.1:9/#"],
    ["deploymentId", ".."],
    ["apiVersion", "2024-10-21&api-key=x"],
  ])("refuses the option %s = %s (from any source) with a 400 before building the URL", (key, value) => {
    const err = thrown(() => azureOpenAIAdapter.toRequest(ctx(hello, { options: { ...options, [key]: value } })));
    expect(err).toMatchObject({ statusCode: 400, code: "invalid_provider_option", param: key });
  });

  it("refuses a missing api version with a 400 naming the header", () => {
    const err = thrown(() =>
      azureOpenAIAdapter.toRequest(ctx(hello, { options: { ...options, apiVersion: undefined } })),
    );
    expect(err.statusCode).toBe(400);
    expect(err.message).toContain("x-portkey-azure-api-version");
  });
});

describe("readProviderOptions", () => {
  it("reads Portkey's provider headers into option keys and leaves absent ones out", () => {
    expect(
      readProviderOptions({
        "x-portkey-azure-resource-name": "acme",
        "x-portkey-aws-region": "eu-west-1",
        "x-portkey-aws-session-token": "",
        "x-other": "1",
      }),
    ).toEqual({ resourceName: "acme", awsRegion: "eu-west-1" });
  });

  it("refuses a control character (400 invalid_header_value) and a region that is not one (invalid_provider_option)", () => {
    expect(thrown(() => readProviderOptions({ "x-portkey-anthropic-beta": "a\u0001b" })).code).toBe(
      "invalid_header_value",
    );
    expect(thrown(() => readProviderOptions({ "x-portkey-aws-region": "us-east-1.evil.com" })).code).toBe(
      "invalid_provider_option",
    );
    expect(readProviderOptions({ "x-portkey-aws-region": "us-gov-west-1" })).toEqual({ awsRegion: "us-gov-west-1" });
  });
});
