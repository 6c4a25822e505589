import type { SeriesMetric } from "./query-builder";
import { type Cell, num, type Row } from "./query-engine";

/**
 * The Portkey graph endpoints: which metrics each needs and how a result row (one bucket, or the whole range)
 * becomes a data point / summary. Costs are USD; latencies ms; rates percent (0-100).
 */
export type Values = Record<string, number | null>;

export interface GraphDef {
  readonly metrics: readonly SeriesMetric[];
  /** `row` is undefined for an empty bucket. */
  values(row: Row | undefined): Values;
}

const count = (row: Row | undefined, key: string): number => num(row?.[key] as Cell) ?? 0;
const maybe = (row: Row | undefined, key: string): number | null => num(row?.[key] as Cell);
const percent = (part: number, whole: number): number | null => (whole === 0 ? null : (100 * part) / whole);

export const GRAPHS: Readonly<Record<string, GraphDef>> = {
  requests: { metrics: ["requests"], values: (r) => ({ total: count(r, "requests") }) },
  cost: {
    metrics: ["cost"],
    values: (r) => {
      const priced = count(r, "priced_requests");
      const total = count(r, "cost_usd");
      return { total, avg: priced === 0 ? null : total / priced, requests: count(r, "requests") };
    },
  },
  latency: {
    metrics: ["latency"],
    values: (r) => ({
      avg: maybe(r, "avg_latency_ms"),
      p50: maybe(r, "p50_latency_ms"),
      p90: maybe(r, "p90_latency_ms"),
      p99: maybe(r, "p99_latency_ms"),
    }),
  },
  tokens: {
    metrics: ["tokens"],
    values: (r) => {
      const requests = count(r, "requests");
      const total = count(r, "total_tokens");
      return {
        total,
        prompt: count(r, "prompt_tokens"),
        completion: count(r, "completion_tokens"),
        avg: requests === 0 ? null : total / requests,
      };
    },
  },
  users: { metrics: ["users"], values: (r) => ({ total: count(r, "unique_users") }) },
  "users-requests": {
    metrics: ["users"],
    values: (r) => {
      const users = count(r, "unique_users");
      return { total: users === 0 ? null : count(r, "requests") / users, users, requests: count(r, "requests") };
    },
  },
  errors: { metrics: ["errors"], values: (r) => ({ total: count(r, "errors") }) },
  "errors-rate": {
    metrics: ["errors"],
    values: (r) => ({ total: percent(count(r, "errors"), count(r, "requests")), errors: count(r, "errors") }),
  },
  "requests-rescued": {
    metrics: ["rescued"],
    values: (r) => ({ total: count(r, "rescued"), requests: count(r, "requests") }),
  },
  "cache-hit-rate": {
    metrics: ["cache"],
    values: (r) => ({
      total: percent(count(r, "cache_hits"), count(r, "requests")),
      hits: count(r, "cache_hits"),
      misses: count(r, "cache_misses"),
      requests: count(r, "requests"),
    }),
  },
  "cache-latency": { metrics: ["cache"], values: (r) => ({ avg: maybe(r, "cache_hit_avg_latency_ms") }) },
};

/** Paths Portkey's REST docs use that differ from the SDK's; both are served. */
export const GRAPH_ALIASES: Readonly<Record<string, string>> = {
  "users/requests": "users-requests",
  "errors/rate": "errors-rate",
  "errors/stacks": "errors-stack",
  "errors/status-codes": "errors-status-code",
  "requests/rescued": "requests-rescued",
  "cache/hit-rate": "cache-hit-rate",
  "cache/latency": "cache-latency",
  "feedbacks/score": "feedbacks-scores",
  "feedbacks/scores": "feedbacks-scores",
  "feedbacks/weighted": "feedbacks-weighted",
};
