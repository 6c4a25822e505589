import { describe, expect, it } from "vitest";
import { BadRequestError, InternalError, renderError, UpstreamError } from "../../shared/core/errors";
import { readPortkeyHeaders } from "../../shared/gateway/portkey-headers";
import { toOpenAIErrorBody } from "../../shared/providers/openai-errors";
import { functionForPath } from "../../shared/routes";

describe("renderError", () => {
  it("renders 4xx messages as OpenAI-style bodies", () => {
    const out = renderError(new BadRequestError("bad thing", { param: "model", code: "x" }));
    expect(out.status).toBe(400);
    expect(JSON.parse(out.body)).toEqual({
      error: { message: "bad thing", type: "invalid_request_error", param: "model", code: "x" },
    });
  });

  it("never leaks internals of unexpected errors", () => {
    const out = renderError(new Error("db password is hunter2"));
    expect(out.status).toBe(500);
    expect(out.body).not.toContain("hunter2");
    expect(JSON.parse(out.body).error.type).toBe("gateway_internal_error");
    expect(renderError(new InternalError("secret detail")).body).not.toContain("secret detail");
  });

  it("keeps an upstream error's status and body", () => {
    const body = { error: { message: "slow down", type: "requests", param: null, code: "rate_limit_exceeded" } };
    const out = renderError(new UpstreamError(429, body, { headers: { "retry-after": "2" } }));
    expect(out.status).toBe(429);
    expect(out.headers["retry-after"]).toBe("2");
    expect(JSON.parse(out.body)).toEqual(body);
  });
});

describe("toOpenAIErrorBody", () => {
  it.each([
    ['{"error":{"message":"m","type":"t","param":"p","code":"c"}}', { message: "m", type: "t", param: "p", code: "c" }],
    ['{"error":"plain text"}', { message: "plain text", type: "invalid_request_error", param: null, code: null }],
    ['{"detail":"Not Found"}', { message: "Not Found", type: "invalid_request_error", param: null, code: null }],
    [
      "<html>oops</html>",
      { message: "groq returned HTTP 400: <html>oops</html>", type: "invalid_request_error", param: null, code: null },
    ],
  ])("normalises %s", (raw, expected) => {
    expect(toOpenAIErrorBody(400, Buffer.from(raw), "groq").error).toEqual(expected);
  });
});

describe("readPortkeyHeaders", () => {
  it("reads provider, metadata, timeout, forward headers and the bearer", () => {
    const h = readPortkeyHeaders({
      authorization: "Bearer sk-abc",
      "x-portkey-provider": "groq",
      "x-portkey-metadata": '{"_user":"u1","n":3}',
      "x-portkey-request-timeout": "1500",
      "x-portkey-forward-headers": "x-team, x-portkey-api-key, host",
      "x-team": "blue",
      "x-portkey-api-key": "secret",
    });
    expect(h).toMatchObject({ provider: "groq", bearer: "sk-abc", requestTimeoutMs: 1500 });
    expect(h.metadata).toEqual({ _user: "u1", n: "3" });
    expect(h.forwardHeaders).toEqual({ "x-team": "blue" });
    expect(h.traceId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("never forwards hop-by-hop headers, x-portkey-* headers or a gateway key; refuses a control character", () => {
    const h = readPortkeyHeaders({
      authorization: "Bearer pk-gw-0123456789abcdef.secret",
      connection: "keep-alive, x-listed",
      "x-portkey-forward-headers": "authorization, te, upgrade, x-listed, x-portkey-trace-id, x-team",
      te: "trailers",
      upgrade: "h2c",
      "x-listed": "1",
      "x-portkey-trace-id": "t",
      "x-team": "blue",
    });
    expect(h.forwardHeaders).toEqual({ "x-team": "blue" });
    expect(h.bearer).toBeUndefined();
    const bad = () => readPortkeyHeaders({ "x-portkey-forward-headers": "x-team", "x-team": "a\u0000b" });
    expect(bad).toThrow(expect.objectContaining({ statusCode: 400, code: "invalid_header_value", param: "x-team" }));
  });

  it.each([
    ["x-portkey-metadata", "[1,2]"],
    ["x-portkey-metadata", "{bad"],
    ["x-portkey-request-timeout", "-5"],
    ["x-portkey-request-timeout", "abc"],
  ])("refuses a bad %s with a 400 naming the header", (name, value) => {
    expect(() => readPortkeyHeaders({ [name]: value })).toThrow(BadRequestError);
    try {
      readPortkeyHeaders({ [name]: value });
    } catch (err) {
      expect((err as BadRequestError).param).toBe(name);
    }
  });
});

describe("functionForPath", () => {
  it.each([
    ["/v1/chat/completions", "gateway"],
    ["/v1/prompts/pp-1/completions", "gateway"],
    ["/v1/prompts/pp-1/render", "gateway"],
    ["/v1/prompts", "admin"],
    ["/v1/virtual-keys/vk", "admin"],
    ["/v1/configs", "admin"],
    ["/v1/admin/workspaces", "admin"],
    ["/v1/logs", "analytics"],
    ["/v1/analytics/graphs/cost", "analytics"],
    ["/v1/feedback", "analytics"],
    ["/v1/configsx", "gateway"],
  ])("%s is served by %s", (path, fn) => {
    expect(functionForPath(path)).toBe(fn);
  });
});
