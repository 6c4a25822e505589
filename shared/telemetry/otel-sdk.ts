import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
} from "@opentelemetry/api";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import {
  defaultResource,
  detectResources,
  resourceAttributesEnvDetector,
  resourceFromAttributes,
} from "@opentelemetry/resources";
import { MeterProvider, MetricReader, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BatchSpanProcessor, type IdGenerator, RandomIdGenerator, TracerProvider } from "@opentelemetry/sdk-trace";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { summaryCost } from "../logging/record-builder";
import type { RequestSummary } from "../logging/request-summary";
import { type RequestMetrics, requestMetrics } from "./otel-metrics";
import type { TelemetrySettings } from "./otel-settings";
import { toPrometheusText } from "./prometheus-text";

/** The loaded SDK: what `telemetry.ts` reaches through its dynamic import. */
export interface OtelSdk {
  record(summary: RequestSummary): void;
  flush(): Promise<void>;
  scrape(): Promise<string>;
  shutdown(): Promise<void>;
}

const INSTRUMENTATION = "serverless-ai-gateway";

/** GenAI semantic conventions' `gen_ai.operation.name` per endpoint; other endpoints are named as in our table. */
const OPERATION: Readonly<Record<string, string>> = {
  chat: "chat",
  messages: "chat",
  responses: "chat",
  completions: "text_completion",
  embeddings: "embeddings",
};

/**
 * Span ids chosen by the gateway (the attempt ids it already sent upstream in `traceparent`): the SDK's tracer
 * asks its id generator once per span, so the id to use is set just before `startSpan`, synchronously.
 */
class PresetIds implements IdGenerator {
  private readonly random = new RandomIdGenerator();
  traceId: string | undefined;
  spanId: string | undefined;
  generateTraceId(): string {
    const id = this.traceId ?? this.random.generateTraceId();
    this.traceId = undefined;
    return id;
  }
  generateSpanId(): string {
    const id = this.spanId ?? this.random.generateSpanId();
    this.spanId = undefined;
    return id;
  }
}

/** A reader Prometheus scrapes: collects the same instruments on demand (cumulative, as Prometheus expects). */
class PullReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

export function startOtelSdk(settings: TelemetrySettings): OtelSdk {
  // precedence, lowest first: the SDK's defaults, ours, OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME
  const resource = defaultResource()
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: "ai-gateway" }))
    .merge(detectResources({ detectors: [resourceAttributesEnvDetector] }))
    .merge(settings.serviceName ? resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName }) : null);
  const ids = new PresetIds();
  const tracerProvider = settings.traces
    ? new TracerProvider({
        resource,
        idGenerator: ids,
        spanProcessors: [
          new BatchSpanProcessor({
            exporter: new OTLPTraceExporter({ url: settings.tracesUrl }),
            scheduledDelayMillis: settings.spanDelayMs,
          }),
        ],
      })
    : undefined;
  const tracer = tracerProvider?.getTracer(INSTRUMENTATION);
  const periodic = settings.otlpMetrics
    ? new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: settings.metricsUrl }),
        exportIntervalMillis: settings.metricIntervalMs,
      })
    : undefined;
  const pull = settings.prometheus ? new PullReader() : undefined;
  const readers: MetricReader[] = [];
  if (periodic) readers.push(periodic);
  if (pull) readers.push(pull);
  const meterProvider = readers.length ? new MeterProvider({ resource, readers }) : undefined;
  const metrics: RequestMetrics | undefined = meterProvider
    ? requestMetrics(meterProvider.getMeter(INSTRUMENTATION))
    : undefined;
  let lastMetricFlush = Date.now();

  function spans(summary: RequestSummary, cost: number | null): void {
    const own = summary.trace;
    if (!tracer || own?.spanId === undefined) return;
    const parent = own.parentSpanId
      ? trace.setSpanContext(ROOT_CONTEXT, {
          traceId: own.traceId,
          spanId: own.parentSpanId,
          traceFlags: Number.parseInt(own.flags, 16) & TraceFlags.SAMPLED,
          isRemote: true,
        })
      : ROOT_CONTEXT;
    const operation = OPERATION[summary.endpoint] ?? summary.endpoint;
    const model = summary.modelRequested;
    ids.traceId = own.traceId;
    ids.spanId = own.spanId;
    const span = tracer.startSpan(
      model ? `${operation} ${model}` : operation,
      { kind: SpanKind.SERVER, startTime: summary.startedAt, attributes: requestAttributes(summary, operation, cost) },
      parent,
    );
    endWithStatus(span, summary.status, summary.error?.error.code ?? summary.error?.error.type);
    const inRequest = trace.setSpan(ROOT_CONTEXT, span);
    summary.attempts.forEach((attempt, index) => {
      const start = summary.startedAt + (attempt.startOffsetMs ?? 0);
      ids.spanId = attempt.spanId;
      const child = tracer.startSpan(
        attempt.model ? `${operation} ${attempt.model}` : operation,
        {
          kind: SpanKind.CLIENT,
          startTime: start,
          attributes: compact({
            "gen_ai.operation.name": operation,
            "gen_ai.provider.name": attempt.provider,
            "gen_ai.request.model": attempt.model,
            "http.response.status_code": attempt.status,
            "aigw.attempt.index": index,
            "aigw.target": attempt.target,
            "error.type": attempt.error,
          }),
        },
        inRequest as Context,
      );
      endWithStatus(child, attempt.status, attempt.error, start + attempt.latencyMs);
    });
    span.end(summary.startedAt + summary.latencyMs);
  }

  return {
    record(summary: RequestSummary): void {
      const cost = summaryCost(summary);
      spans(summary, cost);
      metrics?.record(summary, cost);
    },
    async flush(): Promise<void> {
      const work: Promise<void>[] = [];
      if (tracerProvider) work.push(tracerProvider.forceFlush());
      if (periodic && Date.now() - lastMetricFlush >= settings.metricIntervalMs) {
        lastMetricFlush = Date.now();
        work.push(periodic.forceFlush());
      }
      await Promise.all(work);
    },
    async scrape(): Promise<string> {
      if (!pull) return "";
      const { resourceMetrics } = await pull.collect();
      return toPrometheusText(resourceMetrics);
    },
    async shutdown(): Promise<void> {
      await Promise.all([tracerProvider?.shutdown(), meterProvider?.shutdown()]);
    },
  };
}

function requestAttributes(summary: RequestSummary, operation: string, cost: number | null): Attributes {
  return compact({
    "gen_ai.operation.name": operation,
    "gen_ai.provider.name": summary.provider,
    "gen_ai.request.model": summary.modelRequested,
    "gen_ai.response.model": summary.modelServed,
    "gen_ai.usage.input_tokens": summary.usage?.prompt_tokens,
    "gen_ai.usage.output_tokens": summary.usage?.completion_tokens,
    "http.request.method": summary.method,
    "http.response.status_code": summary.status,
    "aigw.endpoint": summary.endpoint,
    "aigw.cost_usd": cost ?? undefined,
    "aigw.cache_status": summary.cacheStatus,
    "aigw.stream": summary.stream,
    "aigw.strategy": summary.strategy,
    "aigw.retry_count": summary.retryCount,
    "aigw.last_used_option_index": summary.lastUsedOptionIndex,
    "aigw.attempts": summary.attempts.length,
    "aigw.workspace_id": summary.workspaceId,
    "aigw.ttft_ms": summary.ttftMs,
    "aigw.client_aborted": summary.clientAborted || undefined,
  });
}

function endWithStatus(span: Span, status: number, error: string | undefined, end?: number): void {
  if (status >= 400) {
    span.setAttribute("error.type", error ?? String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  if (end !== undefined) span.end(end);
}

function compact(attributes: Record<string, string | number | boolean | undefined>): Attributes {
  const out: Attributes = {};
  for (const key in attributes) {
    const value = attributes[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}
