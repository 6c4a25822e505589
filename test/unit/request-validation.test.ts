import { describe, expect, it } from "vitest";
import { ENDPOINT_ROWS } from "../../shared/core/endpoints";
import { createGatewayCore } from "../../shared/gateway/core";
import { createHostGuard } from "../../shared/http/host-guard";
import { defaultProviderRegistry } from "../../shared/providers/registry";
import { bodyText, coreRequest } from "../support/core-http";
import { recordingTransport } from "../support/recording-transport";

/**
 * Request validation (the endpoint table's `validate` rules, checked by the parse step): a body that breaks them
 * is a 400 `invalid_request_error` naming the `param`, worded as OpenAI words it, and nothing reaches the
 * upstream. Fields no rule declares pass through untouched.
 */

function setup() {
  const transport = recordingTransport();
  const handler = createGatewayCore({
    providers: defaultProviderRegistry(),
    transport,
    hostGuard: createHostGuard("loopback"),
    streamIdleTimeoutMs: 10_000,
  });
  return { transport, handler };
}

const HEADERS = {
  "content-type": "application/json",
  "x-portkey-provider": "openai",
  "x-portkey-custom-host": "http://127.0.0.1:9/v1",
  authorization: "Bearer sk-test",
};

async function send(path: string, body: unknown) {
  const { transport, handler } = setup();
  const res = await handler(coreRequest("POST", path, HEADERS, body));
  const text = await bodyText(res);
  return { status: res.status, body: JSON.parse(text) as Record<string, unknown>, sent: transport.sent };
}

const USER = { role: "user", content: "hi" };
const CHAT = { model: "gpt-4o-mini", messages: [USER] };

const CHAT_CASES: { name: string; body: Record<string, unknown>; param: string; code: string; message: string }[] = [
  {
    name: "no messages",
    body: { model: "gpt-4o-mini" },
    param: "messages",
    code: "missing_required_parameter",
    message: "Missing required parameter: 'messages'.",
  },
  {
    name: "messages not an array",
    body: { ...CHAT, messages: "hi" },
    param: "messages",
    code: "invalid_type",
    message: "Invalid type for 'messages': expected an array of objects, but got a string instead.",
  },
  {
    name: "an empty messages array",
    body: { ...CHAT, messages: [] },
    param: "messages",
    code: "empty_array",
    message:
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
  },
  {
    name: "a message that is not an object",
    body: { ...CHAT, messages: [USER, "hi"] },
    param: "messages[1]",
    code: "invalid_type",
    message: "Invalid type for 'messages[1]': expected an object, but got a string instead.",
  },
  {
    name: "a message without a role",
    body: { ...CHAT, messages: [USER, USER, { content: "hi" }] },
    param: "messages[2].role",
    code: "missing_required_parameter",
    message: "Missing required parameter: 'messages[2].role'.",
  },
  {
    name: "an unknown role",
    body: { ...CHAT, messages: [USER, USER, { role: "wizard", content: "hi" }] },
    param: "messages[2].role",
    code: "invalid_value",
    message:
      "Invalid value: 'wizard'. Supported values are: 'system', 'developer', 'user', 'assistant', 'tool', and 'function'.",
  },
  {
    name: "content that is a number",
    body: { ...CHAT, messages: [{ role: "user", content: 42 }] },
    param: "messages[0].content",
    code: "invalid_type",
    message:
      "Invalid type for 'messages[0].content': expected one of a string or an array of objects, but got an integer instead.",
  },
  {
    name: "a content part that is not an object",
    body: { ...CHAT, messages: [{ role: "user", content: [{ type: "text", text: "a" }, "b"] }] },
    param: "messages[0].content[1]",
    code: "invalid_type",
    message: "Invalid type for 'messages[0].content[1]': expected an object, but got a string instead.",
  },
  {
    name: "a string stream flag",
    body: { ...CHAT, stream: "true" },
    param: "stream",
    code: "invalid_type",
    message: "Invalid type for 'stream': expected a boolean, but got a string instead.",
  },
  {
    name: "a fractional n",
    body: { ...CHAT, n: 1.5 },
    param: "n",
    code: "invalid_type",
    message: "Invalid type for 'n': expected an integer, but got a decimal number instead.",
  },
  {
    name: "n of 0",
    body: { ...CHAT, n: 0 },
    param: "n",
    code: "integer_below_min_value",
    message: "Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 instead.",
  },
  {
    name: "a string max_tokens",
    body: { ...CHAT, max_tokens: "100" },
    param: "max_tokens",
    code: "invalid_type",
    message: "Invalid type for 'max_tokens': expected an integer, but got a string instead.",
  },
  {
    name: "a negative max_completion_tokens",
    body: { ...CHAT, max_completion_tokens: -5 },
    param: "max_completion_tokens",
    code: "integer_below_min_value",
    message: "Invalid 'max_completion_tokens': integer below minimum value. Expected a value >= 0, but got -5 instead.",
  },
  {
    name: "a string temperature",
    body: { ...CHAT, temperature: "hot" },
    param: "temperature",
    code: "invalid_type",
    message: "Invalid type for 'temperature': expected a number, but got a string instead.",
  },
  {
    name: "tools that are not a list",
    body: { ...CHAT, tools: { type: "function" } },
    param: "tools",
    code: "invalid_type",
    message: "Invalid type for 'tools': expected an array of objects, but got an object instead.",
  },
];

describe("chat completions bodies are checked before any upstream call", () => {
  it.each(CHAT_CASES)("$name: 400 naming $param", async ({ body, param, code, message }) => {
    // Act
    const res = await send("/v1/chat/completions", body);
    // Assess
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { message, type: "invalid_request_error", param, code } });
    expect(res.sent).toHaveLength(0);
  });

  it("passes a valid body with fields no rule declares through untouched, nulls included", async () => {
    // Prepare: nulls are OpenAI's "not set"; `reasoning_effort`, `x_vendor` and `content: null` are not declared
    const body = {
      ...CHAT,
      messages: [
        { role: "developer", content: "be brief" },
        { role: "user", content: [{ type: "text", text: "hi" }], name: "ann" },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f" } }] },
        { role: "tool", content: "{}", tool_call_id: "c1" },
      ],
      stream: null,
      n: null,
      max_tokens: 0,
      temperature: 0.5,
      reasoning_effort: "low",
      x_vendor: { anything: [1, "two"] },
    };
    // Act
    const res = await send("/v1/chat/completions", body);
    // Assess
    expect(res.status).toBe(200);
    expect(res.sent).toHaveLength(1);
    expect(JSON.parse(String(res.sent[0]?.body))).toEqual(body);
  });
});

describe("the other JSON endpoints' required and typed fields", () => {
  const cases: { path: string; body: Record<string, unknown>; param: string; code: string }[] = [
    { path: "/v1/completions", body: { model: "m" }, param: "prompt", code: "missing_required_parameter" },
    { path: "/v1/completions", body: { model: "m", prompt: 1 }, param: "prompt", code: "invalid_type" },
    {
      path: "/v1/completions",
      body: { model: "m", prompt: "a", best_of: 0 },
      param: "best_of",
      code: "integer_below_min_value",
    },
    { path: "/v1/embeddings", body: { model: "m" }, param: "input", code: "missing_required_parameter" },
    { path: "/v1/embeddings", body: { model: "m", input: { text: "a" } }, param: "input", code: "invalid_type" },
    { path: "/v1/images/generations", body: { model: "m" }, param: "prompt", code: "missing_required_parameter" },
    { path: "/v1/images/generations", body: { prompt: "a", n: "2" }, param: "n", code: "invalid_type" },
    {
      path: "/v1/audio/speech",
      body: { model: "tts-1", voice: "alloy" },
      param: "input",
      code: "missing_required_parameter",
    },
    {
      path: "/v1/audio/speech",
      body: { model: "tts-1", input: "hi" },
      param: "voice",
      code: "missing_required_parameter",
    },
    { path: "/v1/moderations", body: { model: "m" }, param: "input", code: "missing_required_parameter" },
    { path: "/v1/rerank", body: { model: "m", documents: ["a"] }, param: "query", code: "missing_required_parameter" },
    { path: "/v1/rerank", body: { model: "m", query: "q", documents: "a" }, param: "documents", code: "invalid_type" },
  ];

  it.each(cases)("$path $param ($code)", async ({ path, body, param, code }) => {
    // Act
    const res = await send(path, body);
    // Assess
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ type: "invalid_request_error", param, code });
    expect(res.sent).toHaveLength(0);
  });

  it("every JSON row declares its rules (a new row states what it requires, if anything)", () => {
    const jsonRows = ENDPOINT_ROWS.filter((row) => row.body === "json");
    expect(jsonRows.filter((row) => row.validate === undefined).map((row) => row.endpoint)).toEqual([]);
  });
});

describe("bodies that are not UTF-8 JSON objects", () => {
  it("refuses invalid UTF-8 (a Latin-1 byte) with a 400 instead of forwarding U+FFFD", async () => {
    // Prepare: valid JSON around one byte that is not UTF-8
    const json = Buffer.from(JSON.stringify({ ...CHAT, messages: [{ role: "user", content: "caf#" }] }));
    json[json.indexOf("#")] = 0xe9; // Latin-1 é
    // Act
    const res = await send("/v1/chat/completions", json);
    // Assess
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ type: "invalid_request_error", code: "invalid_encoding" });
    expect(res.sent).toHaveLength(0);
  });

  it("refuses JSON nested deeper than 64 levels", async () => {
    const deep = `{"model":"m","messages":[{"role":"user","content":"hi"}],"x":${"[".repeat(65)}${"]".repeat(65)}}`;
    const res = await send("/v1/chat/completions", deep);
    expect(res.status).toBe(400);
    expect(res.sent).toHaveLength(0);
  });

  it("accepts multi-byte UTF-8 (CJK, emoji)", async () => {
    const res = await send("/v1/chat/completions", { ...CHAT, messages: [{ role: "user", content: "你好 👋" }] });
    expect(res.status).toBe(200);
    expect(res.sent).toHaveLength(1);
  });
});
