import { Metrics } from "@aws-lambda-powertools/metrics";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createLoggingObserver } from "../../shared/gateway/log-observer";
import { createMemorySink } from "../../shared/logging/log-sink";
import { withRequestMetrics } from "../../shared/logging/metrics-sink";
import { toRecord } from "../../shared/logging/record-builder";
import { requestSummary } from "../support/request-summary";

describe("withRequestMetrics", () => {
  afterEach(() => vi.restoreAllMocks());

  it("emits one EMF line per request record at flush time, not when the record is enqueued", async () => {
    // Prepare
    const lines: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const inner = createMemorySink();
    const sink = withRequestMetrics(inner, new Metrics({ namespace: "AiGateway", serviceName: "gateway" }));
    const observer = createLoggingObserver({ sink });
    for (const status of [200, 502]) {
      observer.finish(
        requestSummary({
          traceId: `t-${status}`,
          workspaceId: "ws-1",
          apiKeyId: "k-1",
          modelRequested: "gpt-4o-mini",
          provider: "openai",
          modelServed: "gpt-4o-mini",
          usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
          status,
        }),
      );
    }

    // Act + Assess
    expect(inner.rows).toHaveLength(2);
    expect(lines.filter((l) => l.includes('"_aws"'))).toHaveLength(0);
    await sink.flush();
    const emf = lines.filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(emf).toHaveLength(2);
    expect(emf[0]).toMatchObject({ model: "gpt-4o-mini", Requests: 1, Errors: 0, PromptTokens: 10 });
    expect(emf[1]).toMatchObject({ Errors: 1, ServerErrors: 1 });
  });

  it("loads the metrics with the first flush that has records; a failed load is tried again, rows flush anyway", async () => {
    // Prepare: a loader that fails once (as the first flush's import could), then builds the metrics
    const lines: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    let loads = 0;
    const inner = createMemorySink();
    const sink = withRequestMetrics(inner, async () => {
      loads += 1;
      if (loads === 1) throw new Error("chunk not found");
      return new Metrics({ namespace: "AiGateway", serviceName: "gateway" });
    });
    const record = (id: string) =>
      toRecord(requestSummary({ traceId: id, workspaceId: "ws-1", apiKeyId: "k-1", provider: "openai" }), { id });

    // Act + Assess
    await sink.flush();
    expect(loads).toBe(0); // nothing to publish: nothing loaded
    sink.enqueue(record("r-1"));
    await expect(sink.flush()).rejects.toThrow("chunk not found");
    expect(inner.rows).toHaveLength(1);
    sink.enqueue(record("r-2"));
    await sink.flush();
    expect(loads).toBe(2);
    expect(lines.filter((l) => l.includes('"_aws"'))).toHaveLength(1);
  });

  it("bounds the model dimension: models outside the price table are `other`, known ones their table id", async () => {
    // Prepare
    const lines: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const sink = withRequestMetrics(
      createMemorySink(),
      new Metrics({ namespace: "AiGateway", serviceName: "gateway" }),
    );
    const models = [
      ...Array.from({ length: 50 }, (_, i) => `attacker-model-${i}`),
      "gpt-4o-mini",
      "gpt-4o-mini-2024-07-18",
      "gpt-4o-mini-0001",
      "gpt-4o-mini-0002",
    ];
    for (const model of models) {
      sink.enqueue(
        toRecord(
          requestSummary({
            traceId: model,
            workspaceId: "ws-1",
            apiKeyId: "k-1",
            provider: "openai",
            modelRequested: model,
            modelServed: model,
          }),
          { id: `row-${model}` },
        ),
      );
    }

    // Act
    await sink.flush();

    // Assess
    const dimensions = lines.filter((l) => l.includes('"_aws"')).map((l) => (JSON.parse(l) as { model: string }).model);
    expect(dimensions).toHaveLength(models.length);
    expect(new Set(dimensions)).toEqual(new Set(["other", "gpt-4o-mini"]));
  });
});
