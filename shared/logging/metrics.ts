import type { Metrics } from "@aws-lambda-powertools/metrics";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { priceTableModel } from "../pricing/cost";
import type { RequestLogRecord } from "./record";

/** Dimension value for requests that never resolved a model (auth failures, bad requests). */
export const UNKNOWN_MODEL = "unknown";
/** Dimension value for models outside the price table. */
export const OTHER_MODEL = "other";

/**
 * The `model` dimension: the price table's id of the model, else `other`. Model names come from clients and
 * upstreams; each distinct dimension value is a billed CloudWatch metric series, so the set must stay bounded.
 */
function modelDimension(record: RequestLogRecord): string {
  const model = record.model_served ?? record.model_requested;
  if (!model) return UNKNOWN_MODEL;
  return (record.provider === null ? null : priceTableModel(record.provider, model)) ?? OTHER_MODEL;
}

/**
 * Turns one finished request record into CloudWatch EMF metrics with the (bounded) `model` dimension, published
 * as ONE EMF line. Pass a Metrics instance dedicated to request metrics (this publishes whatever that instance has stored).
 * The stack's dashboard and alarms read: Requests, Errors, ServerErrors, Latency, TimeToFirstToken, PromptTokens,
 * CompletionTokens, CostUSD, CacheHits, ClientDisconnects (namespace and service come from the instance).
 */
export function publishRequestMetrics(metrics: Metrics, record: RequestLogRecord): void {
  metrics.addDimension("model", modelDimension(record));
  metrics.addMetric("Requests", MetricUnit.Count, 1);
  metrics.addMetric("Errors", MetricUnit.Count, record.status >= 400 ? 1 : 0);
  metrics.addMetric("ServerErrors", MetricUnit.Count, record.status >= 500 ? 1 : 0);
  metrics.addMetric("Latency", MetricUnit.Milliseconds, record.latency_ms);
  if (record.ttft_ms !== null) metrics.addMetric("TimeToFirstToken", MetricUnit.Milliseconds, record.ttft_ms);
  metrics.addMetric("PromptTokens", MetricUnit.Count, record.prompt_tokens);
  metrics.addMetric("CompletionTokens", MetricUnit.Count, record.completion_tokens);
  if (record.cost_usd !== null) metrics.addMetric("CostUSD", MetricUnit.NoUnit, record.cost_usd);
  const hit = record.cache_status === "hit" || record.cache_status === "semantic_hit";
  metrics.addMetric("CacheHits", MetricUnit.Count, hit ? 1 : 0);
  if (record.client_disconnected) metrics.addMetric("ClientDisconnects", MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
}
