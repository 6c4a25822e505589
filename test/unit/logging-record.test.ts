import { describe, expect, it } from "vitest";
import { createLoggingObserver } from "../../shared/gateway/log-observer";
import { timeOfUuidV7, uuidV7 } from "../../shared/logging/ids";
import { createMemorySink } from "../../shared/logging/log-sink";
import { bodyLoggingEnabled, DEFAULT_RECORD_OPTIONS, toRecord } from "../../shared/logging/record-builder";
import { requestLogRecordSchema } from "../../shared/logging/record-schema";
import { REDACTED, redactSecrets } from "../../shared/logging/redact";
import type { RequestSummary } from "../../shared/logging/request-summary";
import { requestSummary } from "../support/request-summary";

const STARTED_AT = Date.parse("2026-11-05T10:00:00.000Z");

/** A finished request as the gateway core summarises it; tests override what they look at. */
function summary(fields: Partial<RequestSummary> = {}): RequestSummary {
  return requestSummary({
    traceId: "trace-1",
    startedAt: STARTED_AT,
    workspaceId: "ws-1",
    apiKeyId: "key-1",
    modelRequested: "gpt-4o",
    latencyMs: 0,
    logBodies: true,
    ...fields,
  });
}

const options = (bodyLimitBytes = DEFAULT_RECORD_OPTIONS.bodyLimitBytes) => ({
  ...DEFAULT_RECORD_OPTIONS,
  bodyLimitBytes,
});

describe("request log record (toRecord)", () => {
  it("emits exactly one schema-valid record with attempts, usage, latency and computed cost", () => {
    // Prepare
    const sink = createMemorySink();
    const observer = createLoggingObserver({ sink });
    // Act
    observer.finish(
      summary({
        requestBody: Buffer.from('{"messages":[]}'),
        metadata: { env: "prod" },
        user: "u1",
        attempts: [{ provider: "openai", model: "gpt-4o", status: 503, latencyMs: 5, error: "unavailable" }],
        provider: "openai",
        modelServed: "gpt-4o-2024-08-06",
        ttftMs: 40,
        latencyMs: 50,
        usage: { prompt_tokens: 1000, completion_tokens: 100, cached_tokens: 200, total_tokens: 1100 },
        lastUsedOptionIndex: "config.targets[1]",
      }),
    );
    // Assess
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

  it("prices Anthropic cache writes and reads in the logged cost and counts reasoning tokens", () => {
    const record = toRecord(
      summary({
        provider: "anthropic",
        modelServed: "claude-sonnet-4-5",
        usage: {
          prompt_tokens: 1000,
          completion_tokens: 100,
          total_tokens: 1100,
          cached_tokens: 200,
          cache_creation_tokens: 300,
          reasoning_tokens: 40,
        },
      }),
      { id: "row-1" },
    );
    // 500 input x 3 + 200 read x 0.30 + 300 written x 3.75 + 100 output x 15 per 1M tokens
    expect(record.cost_usd).toBeCloseTo((500 * 3 + 200 * 0.3 + 300 * 3.75 + 100 * 15) / 1e6, 12);
    expect(record).toMatchObject({ cached_tokens: 200, reasoning_tokens: 40 });
  });

  it("records a client disconnect as 499 and leaves cost null for unknown models", () => {
    const record = toRecord(
      summary({
        provider: "openai",
        modelServed: "not-a-real-model",
        usage: { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 },
        clientAborted: true,
      }),
      { id: "row-1" },
    );
    expect(record).toMatchObject({ status: 499, error_type: "client_disconnected", cost_usd: null });
  });

  it("caps bodies, flags truncation and redacts secrets, including known provider keys", () => {
    const providerKey = "prov-secret-value-123456";
    const record = requestLogRecordSchema.parse(
      toRecord(
        summary({
          requestBody: Buffer.from(
            `{"api_key":"abc","auth":"Bearer sk-proj-ABCDEFGHIJKLMNOPQRST","k":"${providerKey}"}`,
          ),
          responseBody: "x".repeat(50) + "y".repeat(50),
        }),
        { id: "row-1", knownSecrets: [providerKey] },
        options(64),
      ),
    );
    expect(record.request_body).not.toContain("sk-proj-ABCDEFGHIJKLMNOPQRST");
    expect(record.request_body).not.toContain(providerKey);
    expect(record.request_body).not.toContain('"abc"');
    expect(record.request_body?.length).toBeLessThanOrEqual(64);
    expect(record.request_body_truncated).toBe(true);
    expect(record.response_body).toBe("x".repeat(50) + "y".repeat(14));
    expect(record.response_body_truncated).toBe(true);
  });

  it("writes retry_count -1 (retries ran out) as a valid record, as x-portkey-retry-attempt-count says", () => {
    const record = toRecord(summary({ status: 503, retryCount: -1 }), { id: "row-1" });
    expect(requestLogRecordSchema.parse(record)).toMatchObject({ retry_count: -1 });
  });

  it("logs no bodies when body logging is off", () => {
    const record = toRecord(
      summary({ logBodies: false, requestBody: Buffer.from("secret prompt"), responseBody: "secret answer" }),
      { id: "row-1" },
    );
    expect(record).toMatchObject({ request_body: null, response_body: null });
  });

  it("carries the request's HTTP method and a failed budget settle", () => {
    const record = toRecord(
      summary({ method: "GET", endpoint: "models", budgetReservedUsd: 0.5, budget: { outcome: "failed" } }),
      { id: "row-1" },
    );
    expect(requestLogRecordSchema.parse(record)).toMatchObject({
      method: "GET",
      endpoint: "models",
      budget_reserved_usd: 0.5,
      budget_outcome: "failed",
      budget_settled_usd: null,
      budget_alert_crossed: null,
    });
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

describe("row ids", () => {
  it("makes time-ordered v7 ids", () => {
    const a = uuidV7(1000);
    const b = uuidV7(2000);
    expect(a < b).toBe(true);
    expect(timeOfUuidV7(b)).toBe(2000);
    expect(timeOfUuidV7("not-a-uuid")).toBeNull();
  });
});
