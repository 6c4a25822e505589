import { DataPointType, type ResourceMetrics } from "@opentelemetry/sdk-metrics";

/**
 * The Prometheus text exposition format (version 0.0.4) of collected OpenTelemetry metrics, as OpenTelemetry's
 * Prometheus compatibility spec maps them: `.` becomes `_`, a unit suffix (`_seconds`, `_USD`), counters end in
 * `_total`, histograms are `_bucket{le}` (cumulative), `_sum`, `_count`. Written here because no Prometheus
 * exporter package is installed; only sums and histograms are produced by the gateway.
 */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const UNIT_SUFFIX: Readonly<Record<string, string>> = { s: "seconds", USD: "USD" };

function metricName(name: string, unit: string): string {
  const base = name.replace(/[^a-zA-Z0-9_:]/g, "_");
  const suffix = UNIT_SUFFIX[unit];
  return suffix && !base.endsWith(`_${suffix}`) ? `${base}_${suffix}` : base;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labels(attributes: Readonly<Record<string, unknown>>, extra?: string): string {
  const parts: string[] = [];
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined) continue;
    parts.push(`${key.replace(/[^a-zA-Z0-9_]/g, "_")}="${escapeLabel(String(value))}"`);
  }
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(",")}}` : "";
}

function number(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

export function toPrometheusText(resourceMetrics: ResourceMetrics): string {
  const lines: string[] = [];
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      const { descriptor } = metric;
      const name = metricName(descriptor.name, descriptor.unit);
      if (metric.dataPointType === DataPointType.SUM) {
        const counter = metric.isMonotonic;
        const full = counter ? `${name}_total` : name;
        lines.push(`# HELP ${full} ${descriptor.description}`, `# TYPE ${full} ${counter ? "counter" : "gauge"}`);
        for (const point of metric.dataPoints) lines.push(`${full}${labels(point.attributes)} ${number(point.value)}`);
      } else if (metric.dataPointType === DataPointType.HISTOGRAM) {
        lines.push(`# HELP ${name} ${descriptor.description}`, `# TYPE ${name} histogram`);
        for (const point of metric.dataPoints) {
          const { boundaries, counts } = point.value.buckets;
          let cumulative = 0;
          counts.forEach((count, i) => {
            cumulative += count;
            const le = i < boundaries.length ? number(boundaries[i] as number) : "+Inf";
            lines.push(`${name}_bucket${labels(point.attributes, `le="${le}"`)} ${cumulative}`);
          });
          lines.push(`${name}_sum${labels(point.attributes)} ${number(point.value.sum ?? 0)}`);
          lines.push(`${name}_count${labels(point.attributes)} ${point.value.count}`);
        }
      }
    }
  }
  return lines.length ? `${lines.join("\n")}\n` : "";
}
