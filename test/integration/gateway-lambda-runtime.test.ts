import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenAIFake, startOpenAIFake } from "../fakes/openai-fake";
import { restApiEvent } from "../support/api-gateway-event";
import { motoClientConfig } from "../support/aws-env";
import { gatewayFunctionEnv, LOG_BUCKET, provisionGatewayOnMoto } from "../support/gateway-on-moto";
import { bundledTaskRoot, type RicProcess, startRic, type TaskRoot } from "../support/lambda-ric";
import {
  arrivalOf,
  type HttpIntegrationResponse,
  type Invocation,
  parseHttpIntegrationResponse,
  type RuntimeApiEmulator,
  startRuntimeApi,
} from "../support/lambda-runtime-api";
import { readNdjsonRows } from "../support/moto-s3";

/**
 * The gateway bundle, built as the stack builds it, under AWS's Node.js runtime interface client on Node 22 (what
 * `nodejs22.x` runs), against a Runtime API emulator, with DynamoDB, KMS and Firehose on moto. What the emulator
 * receives is what API Gateway would: the streamed response with its prelude. One process serves four
 * invocations in a row (a streamed chat, a JSON chat, a 401, a chat denied by a regex guardrail, whose engine
 * loads from a chunk at that request), then is stopped.
 */
const EVENT_GAP_MS = 150;
const WORDS = "one two three four";
/** The fake answers "You said: <words>": a role event, one event per word, a finish event (then [DONE]). */
const MIN_UPSTREAM_EVENTS = 1 + `You said: ${WORDS}`.split(" ").length + 1;

/** A `before_request_hooks` config whose guardrail refuses any message with the word "three" (in WORDS). */
const NO_THREES = {
  before_request_hooks: [
    {
      id: "no-threes",
      type: "guardrail",
      deny: true,
      checks: [{ id: "default.regexMatch", parameters: { rule: "\\bthree\\b", not: true } }],
    },
  ],
};

describe("the gateway bundle under AWS's Lambda runtime interface client (nodejs22.x)", () => {
  let fake: OpenAIFake;
  let api: RuntimeApiEmulator;
  let ric: RicProcess | undefined;
  let taskRoot: TaskRoot | undefined;
  let apiKey: string;
  let streamed: Invocation;
  let json: Invocation;
  let refused: Invocation;
  let guarded: Invocation;
  let upstreamCallsBefore401: number;
  let upstreamCallsBeforeGuardrail: number;

  const chat = (traceId: string, body: Record<string, unknown>, withKey = true, config?: unknown) =>
    restApiEvent({
      method: "POST",
      path: "/v1/chat/completions",
      headers: {
        ...(withKey ? { "x-portkey-api-key": apiKey } : {}),
        Authorization: "Bearer sk-live-1",
        "x-portkey-provider": "openai",
        "x-portkey-custom-host": fake.baseUrl,
        "x-portkey-trace-id": traceId,
        ...(config === undefined ? {} : { "x-portkey-config": JSON.stringify(config) }),
      },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: WORDS }], ...body }),
    });

  beforeAll(async () => {
    // Prepare: the deployment on moto, the bundle, the emulator, then a cold start of the runtime
    fake = await startOpenAIFake({ apiKey: "sk-live-1", chunkDelayMs: EVENT_GAP_MS });
    const [deployment, root] = await Promise.all([
      provisionGatewayOnMoto(motoClientConfig()),
      bundledTaskRoot("gateway"),
    ]);
    apiKey = deployment.apiKey;
    taskRoot = root;
    api = await startRuntimeApi();
    ric = await startRic({ taskRoot: root, api, env: gatewayFunctionEnv(deployment) });
    await api.initialized;

    // Act: four invocations in a row on the one process
    streamed = await api.invoke(chat("ric-stream", { stream: true }));
    json = await api.invoke(chat("ric-json", {}));
    upstreamCallsBefore401 = fake.requests.length;
    refused = await api.invoke(chat("ric-401", {}, false));
    upstreamCallsBeforeGuardrail = fake.requests.length;
    guarded = await api.invoke(chat("ric-guardrail", {}, true, NO_THREES));
    await api.nextRequested(5);
  });

  afterAll(async () => {
    await ric?.stop();
    await api?.close();
    await fake?.close();
    await taskRoot?.remove();
  });

  it("posts each response in streaming mode as an HTTP integration response: prelude, 8 NUL bytes, body", () => {
    for (const invocation of [streamed, json, refused]) {
      expect(invocation.outcome).toBe("response");
      expect(invocation.headers).toMatchObject({
        "lambda-runtime-function-response-mode": "streaming",
        "transfer-encoding": "chunked",
        "content-type": "application/vnd.awslambda.http-integration-response",
      });
      expect(invocation.trailers).toEqual({});
      expect(parseHttpIntegrationResponse(invocation).separator).toEqual(Buffer.alloc(8));
    }
  });

  it("streams a chat completion event by event as the upstream produces it, not buffered", () => {
    // Prepare
    const response = parseHttpIntegrationResponse(streamed);
    const events = sseEvents(response);
    const content = events.filter((e) => e.content !== undefined && e.content !== "");

    // Assess: status and headers in the prelude, the events and [DONE] in the body
    expect(response.prelude.statusCode).toBe(200);
    expect(response.prelude.headers?.["content-type"]).toContain("text/event-stream");
    expect(response.prelude.headers?.["x-portkey-trace-id"]).toBe("ric-stream");
    expect(events.at(-1)?.data).toBe("[DONE]");
    expect(content.map((e) => e.content).join("")).toBe(`You said: ${WORDS}`);
    // The upstream sent its last event at least (events - 1) gaps after it got the request, which was after the
    // runtime got the event: the first word reached API Gateway's side before that, so it was not held back.
    const lastUpstreamEventNotBefore = streamed.startedAt + (MIN_UPSTREAM_EVENTS - 1) * EVENT_GAP_MS;
    const arrivals = content.map((e) => arrivalOf(streamed, e.endOffset - 1));
    expect(arrivals[0]).toBeLessThan(lastUpstreamEventNotBefore);
    // ...and the words arrived spread over the upstream's pacing, not together
    expect((arrivals.at(-1) as number) - (arrivals[0] as number)).toBeGreaterThan(
      (content.length - 1) * EVENT_GAP_MS * 0.5,
    );
  });

  it("answers a non-streamed chat with the upstream's JSON after a 200 prelude", () => {
    // Prepare
    const response = parseHttpIntegrationResponse(json);

    // Assess
    expect(response.prelude.statusCode).toBe(200);
    expect(response.prelude.headers?.["content-type"]).toContain("application/json");
    const body = JSON.parse(response.body.toString("utf8")) as {
      object: string;
      choices: { message: { content: string } }[];
    };
    expect(body.object).toBe("chat.completion");
    expect(body.choices[0]?.message.content).toBe(`You said: ${WORDS}`);
  });

  it("refuses a call without a gateway key with a 401 in OpenAI's error shape, before any upstream call", () => {
    // Prepare
    const response = parseHttpIntegrationResponse(refused);

    // Assess
    expect(response.prelude.statusCode).toBe(401);
    const body = JSON.parse(response.body.toString("utf8")) as { error: Record<string, unknown> };
    expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
    expect(body.error.type).toBe("authentication_error");
    expect(fake.requests.length).toBe(upstreamCallsBefore401);
  });

  it("loads the guardrail's regex engine at the first config that needs it, and denies with 446", () => {
    // Prepare
    const response = parseHttpIntegrationResponse(guarded);

    // Assess: the engine is not part of the cold start (ADR 0041), yet the first request that names it works
    expect(response.prelude.statusCode).toBe(446);
    const body = JSON.parse(response.body.toString("utf8")) as { error: { code: string } };
    expect(body.error.code).toBe("hooks_failed");
    expect(fake.requests.length).toBe(upstreamCallsBeforeGuardrail);
  });

  it("serves the four invocations on one process and ships each log row before asking for the next event", async () => {
    // Assess: init (first /next), then one /next after each invocation; the process never restarted
    expect(api.nextRequests).toHaveLength(5);
    // Firehose puts happen inside the invocation (a frozen environment would hold them otherwise)
    const rows = await readNdjsonRows(LOG_BUCKET, "logs/");
    const statusOf = (traceId: string) => rows.filter((r) => r.trace_id === traceId).map((r) => r.status);
    expect(statusOf("ric-stream")).toEqual([200]);
    expect(statusOf("ric-json")).toEqual([200]);
  });
});

interface SseEvent {
  readonly data: string;
  readonly content: string | undefined;
  /** Offset, in the whole streamed response, just past the event's blank line. */
  readonly endOffset: number;
}

function sseEvents(response: HttpIntegrationResponse): SseEvent[] {
  const text = response.body.toString("utf8");
  const events: SseEvent[] = [];
  let start = 0;
  for (let end = text.indexOf("\n\n"); end >= 0; end = text.indexOf("\n\n", start)) {
    const data = text.slice(start, end).replace(/^data: /, "");
    const content =
      data === "[DONE]"
        ? undefined
        : (JSON.parse(data) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content;
    start = end + 2;
    events.push({ data, content, endOffset: response.bodyOffset + Buffer.byteLength(text.slice(0, start)) });
  }
  return events;
}
