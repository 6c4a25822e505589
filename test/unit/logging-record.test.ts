import { describe, expect, it } from "vitest";
import { LOG_GLUE_COLUMNS } from "../../shared/logging/glue-columns";
import { timeOfUuidV7, uuidV7 } from "../../shared/logging/ids";
import { createMemorySink } from "../../shared/logging/log-sink";
import { bodyLoggingEnabled, createRequestLogger } from "../../shared/logging/record-builder";
import { logRowSchema, requestLogRecordSchema } from "../../shared/logging/record-schema";
import { REDACTED, redactSecrets } from "../../shared/logging/redact";

function setup(bodyLimitBytes?: number) {
  const sink = createMemorySink();
  let mono = 1000;
  const logger = createRequestLogger({
    sink,
    bodyLimitBytes,
    now: () => Date.parse("2026-11-05T10:00:00.000Z"),
    monotonic: () => mono,
  });
  return { sink, logger, advance: (ms: number) => (mono += ms) };
}

const init = {
  traceId: "trace-1",
  workspaceId: "ws-1",
  apiKeyId: "key-1",
  method: "POST",
  endpoint: "/v1/chat/completions",
  logBodies: true,
  modelRequested: "gpt-4o",
};

describe("request log builder", () => {
  it("emits exactly one schema-valid record with attempts, usage, latency and computed cost", () => {
    // Prepare
    const { sink, logger, advance } = setup();
    const log = logger.start({ ...init, requestBody: '{"messages":[]}', metadata: { env: "prod" }, user: "u1" });
    // Act
    log.addAttempt({
      provider: "openai",
      model: "gpt-4o",
      status: 503,
      latency_ms: 5,
      error: "unavailable",
      target: null,
    });
    log.setTarget({ provider: "openai", model: "gpt-4o-2024-08-06" });
    advance(40);
    log.markFirstToken();
    log.setUsage({ prompt_tokens: 1000, completion_tokens: 100, cached_tokens: 200 });
    advance(10);
    const first = log.end(200, { lastUsedOptionIndex: "config.targets[1]" });
    const second = log.end(500);
    // Assess
    expect([first, second]).toEqual([true, false]);
    expect(sink.rows).toHaveLength(1);
    const record = requestLogRecordSchema.parse(sink.rows[0]);
    expect(record).toMatchObject({
      status: 200,
      ts: "2026-11-05T10:00:00.000Z",
      latency_ms: 50,
      ttft_ms: 40,
      total_tokens: 1100,
      retry_count: 0,
      model_served: "gpt-4o-2024-08-06",
      metadata: { env: "prod" },
      request_body: '{"messages":[]}',
    });
    // 800 x 2.50 + 200 x 1.25 + 100 x 10 per 1M tokens
    expect(record.cost_usd).toBeCloseTo((800 * 2.5 + 200 * 1.25 + 100 * 10) / 1e6, 12);
    expect(timeOfUuidV7(record.id)).toBe(Date.parse(record.ts));
  });

  it("records a client disconnect as 499 and leaves cost null for unknown models", () => {
    const { sink, logger } = setup();
    const log = logger.start(init);
    log.setTarget({ provider: "openai", model: "not-a-real-model" });
    log.setUsage({ prompt_tokens: 10, completion_tokens: 1 });
    log.clientDisconnected();
    log.end(200);
    expect(sink.rows[0]).toMatchObject({ status: 499, error_type: "client_disconnected", cost_usd: null });
  });

  it("caps bodies, flags truncation and redacts secrets, including known provider keys", () => {
    const { sink, logger } = setup(64);
    const providerKey = "prov-secret-value-123456";
    const log = logger.start({
      ...init,
      requestBody: `{"api_key":"abc","auth":"Bearer sk-proj-ABCDEFGHIJKLMNOPQRST","k":"${providerKey}"}`,
    });
    log.addKnownSecret(providerKey);
    log.captureResponse("x".repeat(50));
    log.captureResponse("y".repeat(50));
    log.end(200);
    const record = requestLogRecordSchema.parse(sink.rows[0]);
    expect(record.request_body).not.toContain("sk-proj-ABCDEFGHIJKLMNOPQRST");
    expect(record.request_body).not.toContain(providerKey);
    expect(record.request_body).not.toContain('"abc"');
    expect(record.request_body?.length).toBeLessThanOrEqual(64);
    expect(record.request_body_truncated).toBe(true);
    expect(record.response_body).toBe("x".repeat(50) + "y".repeat(14));
    expect(record.response_body_truncated).toBe(true);
  });

  it("logs no bodies when body logging is off", () => {
    const { sink, logger } = setup();
    const log = logger.start({ ...init, logBodies: false, requestBody: "secret prompt" });
    log.captureResponse("secret answer");
    log.end(200);
    expect(sink.rows[0]).toMatchObject({ request_body: null, response_body: null });
  });

  it("honours x-portkey-debug: false and the workspace switch", () => {
    expect(bodyLoggingEnabled({}, undefined)).toBe(true);
    expect(bodyLoggingEnabled({ "x-portkey-debug": "false" }, true)).toBe(false);
    expect(bodyLoggingEnabled({ "x-portkey-debug": "true" }, false)).toBe(false);
  });
});

describe("redaction", () => {
  it("removes bearer tokens and well-known key formats", () => {
    const text = [
      "Authorization: Bearer abcdefghijklmnop",
      "sk-ant-api03-abcdefghijklmnopqrstuv",
      "AIzaSyA1234567890abcdefghijklmnopqrstu",
      "AKIAABCDEFGHIJKLMNOP",
      "gsk_abcdefghijklmnopqrstuvwx",
    ].join(" ");
    const out = redactSecrets(text);
    expect(out).toBe(`Authorization: Bearer ${REDACTED} ${REDACTED} ${REDACTED} ${REDACTED} ${REDACTED}`);
  });

  it("leaves ordinary text alone", () => {
    const text = '{"messages":[{"role":"user","content":"What is a skeleton key?"}]}';
    expect(redactSecrets(text)).toBe(text);
  });
});

describe("schema and Glue columns", () => {
  it("has a Glue column for every record field and no extra ones", () => {
    const shapeKeys = new Set([
      ...Object.keys(requestLogRecordSchema.shape),
      ...logRowSchema.options.flatMap((o) => Object.keys(o.shape)),
    ]);
    expect(new Set(LOG_GLUE_COLUMNS.map((c) => c.name))).toEqual(shapeKeys);
  });

  it("makes time-ordered v7 ids", () => {
    const a = uuidV7(1000);
    const b = uuidV7(2000);
    expect(a < b).toBe(true);
    expect(timeOfUuidV7(b)).toBe(2000);
    expect(timeOfUuidV7("not-a-uuid")).toBeNull();
  });
});
