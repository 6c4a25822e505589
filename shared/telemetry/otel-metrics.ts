import type { Meter } from "@opentelemetry/api";
import type { RequestSummary } from "../logging/request-summary";
import { priceTableModel } from "../pricing/cost";

/** The request metrics, exported over OTLP and scraped as Prometheus text alike. */
export interface RequestMetrics {
  record(summary: RequestSummary, cost: number | null): void;
}

/**
 * The `gen_ai.request.model` label: the price table's id of the model, else `other` (`unknown` when none was
 * resolved). Clients and upstreams choose model names; each distinct value would be a metric series of its own.
 */
function boundedModel(summary: RequestSummary): string {
  const model = summary.modelServed ?? summary.modelRequested;
  if (!model) return "unknown";
  return (summary.provider === undefined ? null : priceTableModel(summary.provider, model)) ?? "other";
}

export function requestMetrics(meter: Meter): RequestMetrics {
  const requests = meter.createCounter("aigw.requests", { description: "Client requests answered", unit: "{request}" });
  const duration = meter.createHistogram("aigw.request.duration", {
    description: "Time from the request to the end of its answer",
    unit: "s",
    advice: { explicitBucketBoundaries: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120] },
  });
  const tokens = meter.createCounter("aigw.tokens", {
    description: "Tokens used, by gen_ai.token.type",
    unit: "{token}",
  });
  const cost = meter.createCounter("aigw.cost", { description: "Cost from the price table", unit: "USD" });
  return {
    record(summary: RequestSummary, usd: number | null): void {
      const labels = {
        "gen_ai.provider.name": summary.provider ?? "none",
        "gen_ai.request.model": boundedModel(summary),
        "http.response.status_code": summary.status,
      };
      requests.add(1, labels);
      duration.record(summary.latencyMs / 1000, labels);
      const usage = summary.usage;
      if (usage) {
        tokens.add(usage.prompt_tokens, { ...labels, "gen_ai.token.type": "input" });
        tokens.add(usage.completion_tokens, { ...labels, "gen_ai.token.type": "output" });
      }
      if (usd !== null && usd > 0) cost.add(usd, labels);
    },
  };
}
