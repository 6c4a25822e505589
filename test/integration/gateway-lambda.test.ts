import type { APIGatewayProxyEvent, Context } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST_RESPONSE_RESERVE_MS } from "../../shared/gateway/bounds";
import { createHostGuard } from "../../shared/http/host-guard";
import { type OpenAIFake, startOpenAIFake } from "../fakes/openai-fake";
import { lambdaContext, restApiEvent } from "../support/api-gateway-event";
import { readNdjsonRows } from "../support/moto-s3";
import { ResponseSink } from "../support/response-sink";
import { LOG_BUCKET, provisionOnMoto, SELF_HOST } from "./gateway-lambda-setup";

type StreamingHandler = (event: APIGatewayProxyEvent, stream: ResponseSink, context: Context) => Promise<void>;

describe("gateway Lambda handler (response streaming through middy)", () => {
  let fake: OpenAIFake;
  let handler: StreamingHandler;
  let apiKey: string;
  let workspaceId: string;

  beforeAll(async () => {
    fake = await startOpenAIFake({ apiKey: "sk-live-1", chunkDelayMs: 20 });
    ({ apiKey, workspaceId } = await provisionOnMoto());
    ({ handler } = (await import("../../functions/gateway/handler")) as unknown as { handler: StreamingHandler });
  });
  afterAll(async () => {
    await fake.close();
  });

  const headers = () => ({
    "x-portkey-api-key": apiKey,
    Authorization: "Bearer sk-live-1",
    "x-portkey-provider": "openai",
    "x-portkey-custom-host": fake.baseUrl,
  });

  it("streams every SSE event to the response stream as it arrives, with status and headers in the prelude", async () => {
    // Prepare
    const sink = new ResponseSink();
    const event = restApiEvent({
      method: "POST",
      path: "/v1/chat/completions",
      headers: { ...headers(), "X-Portkey-Trace-Id": "lambda-trace-1" },
      body: JSON.stringify({
        model: "gpt-4o-mini",
        stream: true,
        messages: [{ role: "user", content: "a b c d e f" }],
      }),
    });

    // Act
    await handler(event, sink, lambdaContext());

    // Assess
    expect(sink.prelude?.statusCode).toBe(200);
    expect(sink.prelude?.headers?.["content-type"]).toContain("text/event-stream");
    expect(sink.prelude?.headers?.["x-portkey-trace-id"]).toBe("lambda-trace-1");
    const events = sink
      .text()
      .split("\n\n")
      .filter(Boolean)
      .map((e) => e.replace(/^data: /, ""));
    expect(events.at(-1)).toBe("[DONE]");
    const content = events
      .slice(0, -1)
      .map((e) => (JSON.parse(e) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? "")
      .join("");
    expect(content).toBe("You said: a b c d e f");
    // 10 upstream events 20 ms apart must reach the stream as separate writes spread over time
    expect(sink.chunks.length).toBeGreaterThanOrEqual(9);
    const spread = (sink.chunks.at(-1)?.at ?? 0) - (sink.chunks[0]?.at ?? 0);
    expect(spread).toBeGreaterThan(120);
  });

  it("aborts the upstream call when the response stream breaks (client gone)", async () => {
    // Prepare: a response stream that fails on its third write, as Lambda's does when the client disconnects
    fake.reset();
    const sink = new ResponseSink();
    let writes = 0;
    const original = sink._write.bind(sink);
    sink._write = (chunk, enc, cb) => {
      writes += 1;
      if (writes === 3) return cb(new Error("client disconnected"));
      original(chunk, enc, cb);
    };
    const words = Array.from({ length: 30 }, (_, i) => `w${i}`).join(" ");
    const event = restApiEvent({
      method: "POST",
      path: "/v1/chat/completions",
      headers: { ...headers(), "x-portkey-trace-id": "disconnect-trace" },
      body: JSON.stringify({ model: "gpt-4o-mini", stream: true, messages: [{ role: "user", content: words }] }),
    });

    // Act
    await handler(event, sink, lambdaContext()).catch(() => undefined);

    // Assess: the upstream's 30 x 20 ms stream is cut off, not read to the end
    const deadline = Date.now() + 500;
    while (fake.abortedResponses === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(fake.abortedResponses).toBe(1);
    // ...and the request is still logged once, as a client disconnect, although the response pipe failed
    const rows = await readNdjsonRows(LOG_BUCKET, "logs/");
    const mine = rows.filter((r) => r.trace_id === "disconnect-trace");
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ status: 499, client_disconnected: true });
  });

  it.each([
    ["a JSON answer", false],
    ["a stream before its first event", true],
  ])("aborts the upstream call when the client leaves while waiting for %s", async (_name, stream) => {
    // Prepare: an upstream that takes 5 s to answer; the client goes after 200 ms (the response stream closes)
    fake.reset();
    fake.enqueueFaults({ kind: "slow", delayMs: 5_000 });
    const sink = new ResponseSink();
    const trace = `gone-before-answer-${stream}`;
    const event = restApiEvent({
      method: "POST",
      path: "/v1/chat/completions",
      headers: { ...headers(), "x-portkey-trace-id": trace },
      body: JSON.stringify({ model: "gpt-4o-mini", stream, messages: [{ role: "user", content: "x" }] }),
    });
    setTimeout(() => sink.destroy(), 200);
    const started = Date.now();

    // Act
    await handler(event, sink, lambdaContext()).catch(() => undefined);

    // Assess: the upstream call is cut at once, not paid for until it answers, and the request is logged
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(fake.abortedResponses).toBe(1);
    const rows = await readNdjsonRows(LOG_BUCKET, "logs/");
    expect(rows.filter((r) => r.trace_id === trace)).toMatchObject([{ status: 499, client_disconnected: true }]);
  });

  it("answers 504 at the invocation's deadline, early enough for the post-response work to run", async () => {
    // Prepare: the function has 800 ms left beyond the time it keeps for the work after the response
    fake.reset();
    fake.enqueueFaults({ kind: "slow", delayMs: 5_000 });
    const sink = new ResponseSink();
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => POST_RESPONSE_RESERVE_MS + 800 };
    const event = restApiEvent({
      method: "POST",
      path: "/v1/chat/completions",
      headers: { ...headers(), "x-portkey-trace-id": "deadline-trace" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] }),
    });
    const started = Date.now();

    // Act
    await handler(event, sink, context);

    // Assess
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(sink.prelude?.statusCode).toBe(504);
    expect(JSON.parse(sink.text()).error).toMatchObject({
      type: "gateway_timeout",
      code: "request_deadline_exceeded",
    });
    const rows = await readNdjsonRows(LOG_BUCKET, "logs/");
    expect(rows.filter((r) => r.trace_id === "deadline-trace")).toMatchObject([{ status: 504 }]);
  });

  it("ends a stream still running at the deadline with an SSE error event, and logs it", async () => {
    // Prepare: 30 events 20 ms apart (600 ms), 300 ms left before the deadline
    fake.reset();
    const sink = new ResponseSink();
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => POST_RESPONSE_RESERVE_MS + 300 };
    const words = Array.from({ length: 30 }, (_, i) => `w${i}`).join(" ");
    const event = restApiEvent({
      method: "POST",
      path: "/v1/chat/completions",
      headers: { ...headers(), "x-portkey-trace-id": "stream-deadline-trace" },
      body: JSON.stringify({ model: "gpt-4o-mini", stream: true, messages: [{ role: "user", content: words }] }),
    });

    // Act
    await handler(event, sink, context);

    // Assess
    expect(sink.prelude?.statusCode).toBe(200);
    const last = sink.text().trimEnd().split("\n\n").at(-1) ?? "";
    expect(JSON.parse(last.slice("data: ".length)).error.code).toBe("request_deadline_exceeded");
    const rows = await readNdjsonRows(LOG_BUCKET, "logs/");
    expect(rows.filter((r) => r.trace_id === "stream-deadline-trace")).toMatchObject([{ status: 502 }]);
  });

  it("refuses a request without a gateway key with 401 before any upstream call", async () => {
    fake.reset();
    const sink = new ResponseSink();
    const { "x-portkey-api-key": _omitted, ...rest } = headers();
    const event = restApiEvent({
      method: "POST",
      path: "/v1/chat/completions",
      headers: rest,
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "x" }] }),
    });
    await handler(event, sink, lambdaContext());
    expect(sink.prelude?.statusCode).toBe(401);
    expect(JSON.parse(sink.text()).error.type).toBe("authentication_error");
    expect(fake.requests).toHaveLength(0);
  });

  it("delivers one log record per request to S3 through Firehose after the response", async () => {
    // Prepare
    const sink = new ResponseSink();
    const event = restApiEvent({
      method: "POST",
      path: "/v1/chat/completions",
      headers: { ...headers(), "x-portkey-trace-id": "logged-trace-1" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "log me" }] }),
    });

    // Act
    await handler(event, sink, lambdaContext());

    // Assess: moto's Firehose writes one object per put, immediately
    const rows = await readNdjsonRows(LOG_BUCKET, "logs/");
    const mine = rows.filter((r) => r.trace_id === "logged-trace-1");
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ workspace_id: workspaceId, status: 200, provider: "openai", prompt_tokens: 2 });
    expect(JSON.stringify(rows)).not.toContain("sk-live-1");
    expect(JSON.stringify(rows)).not.toContain(apiKey);
  });

  it("answers a non-streaming request with the upstream JSON", async () => {
    const sink = new ResponseSink();
    const event = restApiEvent({
      method: "POST",
      path: "/v1/chat/completions",
      headers: headers(),
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "ping" }] }),
    });
    await handler(event, sink, lambdaContext());
    expect(sink.prelude?.statusCode).toBe(200);
    const body = JSON.parse(sink.text()) as { object: string; choices: { message: { content: string } }[] };
    expect(body.object).toBe("chat.completion");
    expect(body.choices[0]?.message.content).toBe("You said: ping");
  });

  it("renders bad input as an OpenAI-style 400, never a 500", async () => {
    const sink = new ResponseSink();
    const event = restApiEvent({ method: "POST", path: "/v1/chat/completions", headers: headers(), body: "{not json" });
    await handler(event, sink, lambdaContext());
    expect(sink.prelude?.statusCode).toBe(400);
    const body = JSON.parse(sink.text()) as { error: { type: string; code: string; message: string } };
    expect(body.error).toMatchObject({ type: "invalid_request_error", code: "invalid_json" });
  });

  it("refuses a custom host pointing at the metadata service", async () => {
    const sink = new ResponseSink();
    const event = restApiEvent({
      method: "POST",
      path: "/v1/chat/completions",
      headers: { ...headers(), "x-portkey-custom-host": "http://169.254.169.254/latest" },
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "x" }] }),
    });
    await handler(event, sink, lambdaContext());
    expect(sink.prelude?.statusCode).toBe(400);
    expect(sink.text()).toContain("custom_host_forbidden");
  });

  // Requests never come back to the gateway: its own hosts are refused, and its hop mark is recognised.
  async function callWith(headers: Record<string, string>, host?: string) {
    const sink = new ResponseSink();
    const event = restApiEvent({
      method: "POST",
      path: "/v1/chat/completions",
      headers: {
        "x-portkey-api-key": apiKey,
        Authorization: "Bearer sk-live-1",
        "x-portkey-provider": "openai",
        ...(host ? { Host: host } : {}),
        ...headers,
      },
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "x" }] }),
    });
    await handler(event, sink, lambdaContext());
    return { status: sink.prelude?.statusCode, body: sink.text() };
  }

  it.each([
    ["the API host the stack passes (GATEWAY_SELF_HOSTS)", `https://${SELF_HOST}/prod/v1`, undefined],
    ["a domain the API is called on (requestContext.domainName)", "https://llm.example.org/v1", "llm.example.org"],
  ])("refuses %s as a custom host with a 400", async (_what, customHost, calledOn) => {
    const reply = await callWith({ "x-portkey-custom-host": customHost }, calledOn);
    expect(reply.status).toBe(400);
    expect(reply.body).toContain("custom_host_forbidden");
  });

  it("answers 508 to a request carrying this deployment's hop mark (same in every instance)", async () => {
    const hop = createHostGuard(undefined, { hopSeed: SELF_HOST }).hopId;
    const reply = await callWith({ "x-portkey-hop": hop, "x-portkey-custom-host": fake.baseUrl });
    expect(reply.status).toBe(508);
    expect(reply.body).toContain("loop_detected");
  });
});

describe("admin and analytics Lambda handlers", () => {
  it.each([
    ["admin", "/v1/admin/health"],
    ["analytics", "/v1/analytics/health"],
  ])("%s answers its health route", async (name, path) => {
    process.env.ATHENA_WORKGROUP = "gateway-analytics";
    process.env.GLUE_DATABASE = "gateway_logs";
    process.env.GLUE_TABLE = "request_logs";
    const mod = (await import(`../../functions/${name}/handler.ts`)) as {
      handler: (e: APIGatewayProxyEvent, c: Context) => Promise<{ statusCode: number; body: string }>;
    };
    const res = await mod.handler(restApiEvent({ method: "GET", path }), lambdaContext(name));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ status: "ok", service: name });
  });
});
