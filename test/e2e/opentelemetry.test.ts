import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { otelSdkImported } from "../../shared/telemetry/telemetry";
import { type OpenAIFake, startOpenAIFake } from "../fakes/openai-fake";
import { startTestGateway, TEST_ROOT_KEY, type TestGateway } from "../support/local-gateway";

/**
 * OpenTelemetry end to end: the local runtime with the standard `OTEL_*` variables pointing at a small OTLP/HTTP
 * receiver on loopback (JSON, the exporter's format), the real OpenAI SDK as the client, OpenAI fakes upstream.
 */
interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: OtlpValue }[];
  status?: { code?: number };
}
interface OtlpTraces {
  resourceSpans: {
    resource: { attributes: { key: string; value: OtlpValue }[] };
    scopeSpans: { spans: OtlpSpan[] }[];
  }[];
}

interface Receiver {
  readonly url: string;
  readonly traces: OtlpTraces[];
  readonly metrics: Record<string, unknown>[];
  readonly contentTypes: string[];
  close(): Promise<void>;
}

async function startOtlpReceiver(): Promise<Receiver> {
  const traces: OtlpTraces[] = [];
  const metrics: Record<string, unknown>[] = [];
  const contentTypes: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      contentTypes.push(String(req.headers["content-type"]));
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      if (req.url === "/v1/traces") traces.push(body as unknown as OtlpTraces);
      if (req.url === "/v1/metrics") metrics.push(body);
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    traces,
    metrics,
    contentTypes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function allSpans(receiver: Receiver): OtlpSpan[] {
  return receiver.traces.flatMap((t) => t.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
}

function attr(span: { attributes: { key: string; value: OtlpValue }[] }, key: string): unknown {
  const value = span.attributes.find((a) => a.key === key)?.value;
  if (!value) return undefined;
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.stringValue ?? value.doubleValue ?? value.boolValue;
}

async function until<T>(check: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error("timed out waiting for telemetry");
    await new Promise((r) => setTimeout(r, 25));
  }
}

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const CLIENT_SPAN = "00f067aa0ba902b7";
const TRACEPARENT = `00-${TRACE_ID}-${CLIENT_SPAN}-01`;
const UPSTREAM_TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

function client(gateway: TestGateway, headers: Record<string, string> = {}): OpenAI {
  return new OpenAI({
    apiKey: gateway.apiKey,
    baseURL: `${gateway.url}/v1`,
    maxRetries: 0,
    timeout: 10_000,
    defaultHeaders: headers,
  });
}

let receiver: Receiver;
let failing: OpenAIFake;
let healthy: OpenAIFake;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  failing = await startOpenAIFake({ apiKey: "sk-a" });
  healthy = await startOpenAIFake({ apiKey: "sk-b" });
});
afterAll(async () => {
  await Promise.all([receiver?.close(), failing?.close(), healthy?.close()]);
});

// First in the file: the module flag says whether this process ever imported the SDK.
describe("with OpenTelemetry off", () => {
  it("loads nothing, sends nothing, serves no /metrics, and passes the client's traceparent on unchanged", async () => {
    // Prepare
    const gateway = await startTestGateway({ env: {} });
    let answer: OpenAI.Chat.Completions.ChatCompletion;
    let metricsStatus: number;
    try {
      // Act
      answer = await client(gateway, { traceparent: TRACEPARENT, tracestate: "vendor=abc" }).chat.completions.create(
        { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] },
        {
          headers: {
            "x-portkey-config": JSON.stringify({ provider: "openai", api_key: "sk-b", custom_host: healthy.baseUrl }),
          },
        },
      );
      metricsStatus = (await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${TEST_ROOT_KEY}` } }))
        .status;
    } finally {
      await gateway.stop();
    }
    // Assess
    expect(answer.choices[0]?.message.content).toContain("hi");
    const upstream = healthy.requests.at(-1)?.headers;
    healthy.reset();
    expect(upstream?.traceparent).toBe(TRACEPARENT);
    expect(upstream?.tracestate).toBe("vendor=abc");
    expect(metricsStatus).toBe(404);
    expect(otelSdkImported()).toBe(false);
    expect(receiver.traces).toEqual([]);
    expect(receiver.metrics).toEqual([]);
  });
});

describe("with OTEL_EXPORTER_OTLP_ENDPOINT set", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_SERVICE_NAME: "gateway-under-test",
        OTEL_METRICS_EXPORTER: "otlp,prometheus",
        OTEL_BSP_SCHEDULE_DELAY: "50",
        OTEL_METRIC_EXPORT_INTERVAL: "100",
      },
    });
  });
  afterAll(() => gateway?.stop());

  it("exports a request span under the client's traceparent and one child span per attempt of a fallback", async () => {
    // Prepare: the first target answers 500, the second answers
    failing.setAlwaysFault({ kind: "status", status: 500 });
    const config = {
      strategy: { mode: "fallback" },
      targets: [
        { provider: "openai", api_key: "sk-a", custom_host: failing.baseUrl },
        { provider: "openai", api_key: "sk-b", custom_host: healthy.baseUrl },
      ],
    };
    // Act
    const answer = await client(gateway, { traceparent: TRACEPARENT }).chat.completions.create(
      { model: "gpt-4o-mini", messages: [{ role: "user", content: "hello there" }] },
      { headers: { "x-portkey-config": JSON.stringify(config) } },
    );
    // Assess: each upstream got our trace, with its own attempt span as parent
    expect(answer.choices[0]?.message.content).toContain("hello there");
    const sentFirst = UPSTREAM_TRACEPARENT.exec(String(failing.requests.at(-1)?.headers.traceparent));
    const sentSecond = UPSTREAM_TRACEPARENT.exec(String(healthy.requests.at(-1)?.headers.traceparent));
    expect(sentFirst?.[1]).toBe(TRACE_ID);
    expect(sentSecond?.[1]).toBe(TRACE_ID);
    expect(sentFirst?.[2]).not.toBe(sentSecond?.[2]);
    const request = await until(() => allSpans(receiver).find((s) => s.traceId === TRACE_ID && s.kind === 2));
    expect(request.parentSpanId).toBe(CLIENT_SPAN);
    expect(request.name).toBe("chat gpt-4o-mini");
    expect(attr(request, "gen_ai.operation.name")).toBe("chat");
    expect(attr(request, "gen_ai.provider.name")).toBe("openai");
    expect(attr(request, "gen_ai.request.model")).toBe("gpt-4o-mini");
    expect(attr(request, "gen_ai.response.model")).toBe(answer.model);
    expect(attr(request, "gen_ai.usage.input_tokens")).toBe(answer.usage?.prompt_tokens);
    expect(attr(request, "gen_ai.usage.output_tokens")).toBe(answer.usage?.completion_tokens);
    expect(attr(request, "aigw.cost_usd")).toBeGreaterThan(0);
    expect(attr(request, "aigw.strategy")).toBe("fallback");
    expect(attr(request, "aigw.last_used_option_index")).toBe("config.targets[1]");
    expect(attr(request, "http.response.status_code")).toBe(200);
    const attempts = await until(() => {
      const children = allSpans(receiver).filter((s) => s.parentSpanId === request.spanId);
      return children.length === 2
        ? children.sort((x, y) => (attr(x, "aigw.attempt.index") as number) - (attr(y, "aigw.attempt.index") as number))
        : undefined;
    });
    const [first, second] = attempts as [OtlpSpan, OtlpSpan];
    expect(first.spanId).toBe(sentFirst?.[2]);
    expect(second.spanId).toBe(sentSecond?.[2]);
    expect(first.kind).toBe(3); // CLIENT
    expect(attr(first, "http.response.status_code")).toBe(500);
    expect(first.status?.code).toBe(2); // ERROR
    expect(attr(first, "aigw.target")).toBe("config.targets[0]");
    expect(attr(second, "http.response.status_code")).toBe(200);
    expect(second.status?.code ?? 0).toBe(0);
    expect(BigInt(first.startTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(request.startTimeUnixNano));
    expect(BigInt(second.endTimeUnixNano)).toBeLessThanOrEqual(BigInt(request.endTimeUnixNano));
    const resource = receiver.traces[0]?.resourceSpans[0]?.resource;
    expect(resource && attr(resource, "service.name")).toBe("gateway-under-test");
    expect(receiver.contentTypes[0]).toContain("application/json");
    // nothing of the request's secrets or bodies
    const exported = JSON.stringify(receiver.traces);
    expect(exported).not.toContain("sk-b");
    expect(exported).not.toContain(gateway.apiKey);
    expect(exported).not.toContain("hello there");
    failing.setAlwaysFault(undefined);
  });

  it("starts a trace of its own without a traceparent, and ignores a malformed one", async () => {
    // Act
    const config = { provider: "openai", api_key: "sk-b", custom_host: healthy.baseUrl };
    await client(gateway, { traceparent: `00-${"z".repeat(32)}-${CLIENT_SPAN}-01, x-evil=1` }).chat.completions.create(
      { model: "gpt-4o-mini", messages: [{ role: "user", content: "again" }] },
      { headers: { "x-portkey-config": JSON.stringify(config) } },
    );
    // Assess
    const sent = UPSTREAM_TRACEPARENT.exec(String(healthy.requests.at(-1)?.headers.traceparent));
    expect(sent?.[1]).toMatch(/^[0-9a-f]{32}$/);
    expect(sent?.[1]).not.toBe(TRACE_ID);
    const request = await until(() => allSpans(receiver).find((s) => s.traceId === sent?.[1] && s.kind === 2));
    expect(request.parentSpanId ?? "").toBe("");
  });

  it("exports request metrics over OTLP and serves them on /metrics to the admin key", async () => {
    // Act
    const names = await until(() => {
      const found = new Set(JSON.stringify(receiver.metrics).match(/aigw\.[a-z.]+/g) ?? []);
      return found.has("aigw.requests") && found.has("aigw.tokens") && found.has("aigw.cost") ? found : undefined;
    });
    const scraped = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${TEST_ROOT_KEY}` } });
    const text = await scraped.text();
    const refused = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${gateway.apiKey}` } });
    // Assess
    expect(names.has("aigw.request.duration")).toBe(true);
    expect(scraped.status).toBe(200);
    expect(scraped.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const samples = new Map<string, number>();
    for (const line of text.split("\n")) {
      if (line === "" || line.startsWith("#")) continue;
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
      expect(m, line).not.toBeNull();
      samples.set(`${m?.[1]}${m?.[2] ?? ""}`, Number(m?.[3]));
    }
    const ok = 'gen_ai_provider_name="openai",gen_ai_request_model="gpt-4o-mini",http_response_status_code="200"';
    expect(samples.get(`aigw_requests_total{${ok}}`)).toBe(2);
    expect(samples.get(`aigw_request_duration_seconds_count{${ok}}`)).toBe(2);
    expect(samples.get(`aigw_request_duration_seconds_bucket{${ok},le="+Inf"}`)).toBe(2);
    expect(samples.get(`aigw_tokens_total{${ok},gen_ai_token_type="input"}`)).toBeGreaterThan(0);
    expect(samples.get(`aigw_cost_USD_total{${ok}}`)).toBeGreaterThan(0);
    expect(text).toContain("# TYPE aigw_request_duration_seconds histogram");
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { type: string } }).error.type).toBe("authentication_error");
  });
});
