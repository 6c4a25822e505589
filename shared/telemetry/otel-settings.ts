/**
 * Whether and how OpenTelemetry runs, from the standard variables only
 * (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/). Read once per process; no
 * OpenTelemetry module is loaded to decide. The SDK's exporters read the rest (`OTEL_EXPORTER_OTLP_HEADERS`,
 * timeouts, compression) from `process.env` themselves.
 */
export interface TelemetrySettings {
  /** Spans over OTLP/HTTP: `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` set. */
  readonly traces: boolean;
  /** Metrics over OTLP/HTTP: `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` set. */
  readonly otlpMetrics: boolean;
  /** `OTEL_METRICS_EXPORTER` names `prometheus`: the local runtime serves `/metrics`. */
  readonly prometheus: boolean;
  /** `OTEL_METRIC_EXPORT_INTERVAL` (ms, default 60000). */
  readonly metricIntervalMs: number;
  /** `OTEL_BSP_SCHEDULE_DELAY` (ms, default 5000): how long spans wait for their batch (local runtime). */
  readonly spanDelayMs: number;
  /** `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as is, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`. */
  readonly tracesUrl?: string;
  /** `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` as is, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/metrics`. */
  readonly metricsUrl?: string;
  /** `OTEL_SERVICE_NAME`; absent: `service.name` of `OTEL_RESOURCE_ATTRIBUTES` (read by the SDK), else `ai-gateway`. */
  readonly serviceName?: string;
}

/** The signal's URL per the OTLP exporter spec: the specific variable as is, or the base with the signal's path. */
function signalUrl(env: NodeJS.ProcessEnv, signal: "TRACES" | "METRICS"): string | undefined {
  const specific = env[`OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`]?.trim();
  if (specific) return specific;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!base) return undefined;
  return `${base.endsWith("/") ? base : `${base}/`}v1/${signal.toLowerCase()}`;
}

function exporters(env: NodeJS.ProcessEnv, name: string): readonly string[] {
  const value = env[name]?.trim();
  return value ? value.split(",").map((s) => s.trim().toLowerCase()) : ["otlp"];
}

function milliseconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = Number(env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** The settings, or undefined when nothing is to be exported (then nothing of OpenTelemetry is loaded). */
export function telemetrySettings(env: NodeJS.ProcessEnv = process.env): TelemetrySettings | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return undefined;
  const tracesUrl = signalUrl(env, "TRACES");
  const metricsUrl = signalUrl(env, "METRICS");
  const traceExporters = exporters(env, "OTEL_TRACES_EXPORTER");
  const metricExporters = exporters(env, "OTEL_METRICS_EXPORTER");
  const settings: TelemetrySettings = {
    traces: traceExporters.includes("otlp") && tracesUrl !== undefined,
    otlpMetrics: metricExporters.includes("otlp") && metricsUrl !== undefined,
    prometheus: metricExporters.includes("prometheus"),
    metricIntervalMs: milliseconds(env, "OTEL_METRIC_EXPORT_INTERVAL", 60_000),
    spanDelayMs: milliseconds(env, "OTEL_BSP_SCHEDULE_DELAY", 5_000),
    tracesUrl,
    metricsUrl,
    serviceName: env.OTEL_SERVICE_NAME?.trim() || undefined,
  };
  return settings.traces || settings.otlpMetrics || settings.prometheus ? settings : undefined;
}
