import { BadRequestError, MethodNotAllowedError, NotFoundError, renderError } from "../core/errors";
import type { Authenticator, Principal } from "../core/principal";
import { type CoreHandler, type CoreRequest, type CoreResponse, jsonResponse } from "../http/types";
import type { LogSink } from "../logging/log-sink";
import { bucketKeys, bucketStart, chooseGranularity } from "./buckets";
import { DASHBOARD_HTML } from "./dashboard";
import { feedbackRows, parseFeedbackUpdate, parseJsonBody, stringifyMetadata } from "./feedback";
import { MAX_VALUE_LENGTH, parseAnalyticsFilters } from "./filters";
import { GRAPH_ALIASES, GRAPHS } from "./graphs";
import { groupsResponse } from "./groups-api";
import { feedbackByIdQuery } from "./log-queries";
import { logDetail, searchLogs } from "./logs-api";
import { feedbackSeriesQuery, statusCodeSeriesQuery, summaryQuery, timeSeriesQuery } from "./query-builder";
import { num, type QueryEngine, type Row, str } from "./query-engine";
import type { QueryScope } from "./where";

export interface AnalyticsCoreDeps {
  authenticator: Authenticator;
  engine: QueryEngine;
  /** Where feedback rows go (Firehose in AWS, the NDJSON sink locally); the caller flushes per invocation. */
  feedbackSink: LogSink;
  now?: () => number;
}

/** Strips the optional `/v1` prefix (the SDK's base URL ends in `/v1`). */
function routePath(path: string): string {
  const trimmed = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
  return trimmed.startsWith("/v1/") ? trimmed.slice(3) : trimmed;
}

/**
 * Whose rows a request reads. A workspace key: its own workspace, whatever the query names. The root key: every
 * workspace, or the one named by `workspace_id` (Portkey's `workspace_slug` too).
 */
function scopeOf(principal: Principal, query: URLSearchParams): QueryScope {
  if (!principal.isRoot) return { workspaceId: principal.workspaceId };
  const named = query.get("workspace_id") || query.get("workspace_slug") || undefined;
  if (named !== undefined && named.length > MAX_VALUE_LENGTH) {
    throw new BadRequestError(`workspace_id is at most ${MAX_VALUE_LENGTH} characters.`, { param: "workspace_id" });
  }
  return { workspaceId: named };
}

async function graph(deps: AnalyticsCoreDeps, principal: Principal, name: string, req: CoreRequest, now: number) {
  const filters = parseAnalyticsFilters(req.query, { now });
  const granularity = chooseGranularity(filters, req.query.get("granularity"));
  const scope = scopeOf(principal, req.query);
  const { engine } = deps;
  const keys = bucketKeys(filters, granularity);
  if (name === "errors-stack" || name === "errors-status-code") {
    const rows = await engine.query(statusCodeSeriesQuery(engine.dialect, scope, filters, granularity));
    const byCode = new Map<string, number>();
    const byBucket = new Map<string, Record<string, number>>();
    for (const row of rows) {
      const code = String(num(row.status) ?? 0);
      const n = num(row.requests) ?? 0;
      byCode.set(code, (byCode.get(code) ?? 0) + n);
      const bucket = byBucket.get(str(row.bucket) ?? "") ?? {};
      bucket[code] = n;
      byBucket.set(str(row.bucket) ?? "", bucket);
    }
    const total = [...byCode.values()].reduce((a, b) => a + b, 0);
    const dataPoints =
      name === "errors-stack"
        ? keys.map((k) => ({ timestamp: bucketStart(k), status_codes: byBucket.get(k) ?? {} }))
        : [...byCode.entries()].map(([code, n]) => ({ status_code: Number(code), total: n }));
    return { object: "analytics-graph", granularity, summary: { total }, data_points: dataPoints };
  }
  if (name === "feedbacks" || name === "feedbacks-scores" || name === "feedbacks-weighted") {
    const rows = await engine.query(feedbackSeriesQuery(engine.dialect, scope, filters, granularity));
    const byBucket = new Map(rows.map((r) => [str(r.bucket) ?? "", r]));
    const point = (r: Row | undefined) => ({
      total: num(r?.feedbacks) ?? 0,
      avg: num(r?.avg_value),
      avg_weighted: num(r?.avg_weighted_value),
    });
    const total = rows.reduce((sum, r) => sum + (num(r.feedbacks) ?? 0), 0);
    return {
      object: "analytics-graph",
      granularity,
      summary: { total },
      data_points: keys.map((k) => ({ timestamp: bucketStart(k), ...point(byBucket.get(k)) })),
    };
  }
  const def = GRAPHS[name];
  if (!def) throw new NotFoundError(`Unknown analytics graph: ${name}.`);
  const [series, summary] = await Promise.all([
    engine.query(timeSeriesQuery(engine.dialect, scope, filters, granularity, def.metrics)),
    engine.query(summaryQuery(engine.dialect, scope, filters, def.metrics)),
  ]);
  const byBucket = new Map(series.map((r) => [str(r.bucket) ?? "", r]));
  return {
    object: "analytics-graph",
    granularity,
    summary: def.values(summary[0]),
    data_points: keys.map((k) => ({ timestamp: bucketStart(k), ...def.values(byBucket.get(k)) })),
  };
}

async function cacheSummary(deps: AnalyticsCoreDeps, principal: Principal, req: CoreRequest, now: number) {
  const filters = parseAnalyticsFilters(req.query, { now });
  const rows = await deps.engine.query(
    summaryQuery(deps.engine.dialect, scopeOf(principal, req.query), filters, ["cache", "cost", "latency"]),
  );
  const r = rows[0];
  const hits = num(r?.cache_hits) ?? 0;
  const requests = num(r?.requests) ?? 0;
  return {
    object: "analytics-summary",
    summary: {
      requests,
      hits,
      misses: num(r?.cache_misses) ?? 0,
      hit_rate: requests === 0 ? null : (100 * hits) / requests,
      avg_hit_latency_ms: num(r?.cache_hit_avg_latency_ms),
      avg_latency_ms: num(r?.avg_latency_ms),
      cost_usd: num(r?.cost_usd) ?? 0,
    },
  };
}

async function postFeedback(deps: AnalyticsCoreDeps, principal: Principal, req: CoreRequest, now: number) {
  const rows = feedbackRows(parseJsonBody(req.body), principal, now);
  for (const row of rows) deps.feedbackSink.enqueue(row);
  return { status: "success", message: "feedback logged", feedback_id: rows.map((r) => r.id) };
}

async function putFeedback(deps: AnalyticsCoreDeps, principal: Principal, id: string, req: CoreRequest, now: number) {
  const update = parseFeedbackUpdate(parseJsonBody(req.body));
  const { engine } = deps;
  const found = (await engine.query(feedbackByIdQuery(engine.dialect, scopeOf(principal, req.query), id)))[0];
  if (!found) throw new NotFoundError(`Feedback ${id} not found.`);
  let previousMetadata: Record<string, string> = {};
  try {
    previousMetadata = JSON.parse(str(found.metadata_json) ?? "{}") as Record<string, string>;
  } catch {
    previousMetadata = {};
  }
  deps.feedbackSink.enqueue({
    schema_version: 1,
    kind: "feedback",
    id,
    trace_id: str(found.trace_id) ?? "",
    workspace_id: str(found.workspace_id) ?? principal.workspaceId, // the feedback's own (root may update any)
    api_key_id: principal.apiKeyId,
    // A later ts makes this version the current one (readers take the newest row per id).
    ts: new Date(Math.max(now, Date.parse(str(found.ts) ?? "") + 1)).toISOString(),
    metadata: update.metadata ? stringifyMetadata(update.metadata) : previousMetadata,
    feedback_value: update.value ?? num(found.feedback_value) ?? 0,
    feedback_weight: update.weight ?? num(found.feedback_weight) ?? 1,
  });
  return { status: "success", message: "feedback updated", feedback_id: [id] };
}

async function route(deps: AnalyticsCoreDeps, req: CoreRequest): Promise<CoreResponse> {
  const now = (deps.now ?? Date.now)();
  const path = routePath(req.path);
  const { method } = req;
  if (path === "/dashboard") {
    if (method !== "GET") throw new MethodNotAllowedError(method, req.path);
    return { status: 200, headers: { "content-type": "text/html; charset=utf-8" }, body: DASHBOARD_HTML };
  }
  if (path.startsWith("/analytics/")) {
    if (method !== "GET") throw new MethodNotAllowedError(method, req.path);
    const principal = await deps.authenticator.authenticate(req, "analytics");
    const rest = path.slice("/analytics/".length);
    if (rest.startsWith("graphs/")) {
      const raw = rest.slice("graphs/".length);
      return jsonResponse(200, await graph(deps, principal, GRAPH_ALIASES[raw] ?? raw, req, now));
    }
    if (rest.startsWith("groups/")) {
      const scope = scopeOf(principal, req.query);
      return jsonResponse(200, await groupsResponse(deps.engine, scope, rest.slice(7), req.query, now));
    }
    if (rest === "summary/cache") return jsonResponse(200, await cacheSummary(deps, principal, req, now));
    throw new NotFoundError(`Unknown analytics endpoint: ${req.path}.`);
  }
  if (path === "/logs" || path.startsWith("/logs/")) {
    if (method !== "GET") throw new MethodNotAllowedError(method, req.path);
    const principal = await deps.authenticator.authenticate(req, "logs");
    const scope = scopeOf(principal, req.query);
    if (path === "/logs") return searchLogs(deps.engine, scope, req.query, now);
    return logDetail(deps.engine, scope, decodeURIComponent(path.slice("/logs/".length)));
  }
  if (path === "/feedback" || path.startsWith("/feedback/")) {
    const principal = await deps.authenticator.authenticate(req, "logs");
    if (path === "/feedback" && method === "POST")
      return jsonResponse(200, await postFeedback(deps, principal, req, now));
    if (path !== "/feedback" && method === "PUT") {
      const id = decodeURIComponent(path.slice("/feedback/".length));
      return jsonResponse(200, await putFeedback(deps, principal, id, req, now));
    }
    throw new MethodNotAllowedError(method, req.path);
  }
  throw new NotFoundError(`No route for ${method} ${req.path}.`);
}

/**
 * The analytics function's core: Portkey-compatible analytics graphs/groups/summary, log search and detail,
 * feedback, and the dashboard page. Every data route authenticates first; the workspace comes from the principal.
 */
export function createAnalyticsCore(deps: AnalyticsCoreDeps): CoreHandler {
  return async function analyticsCore(req) {
    if (req.method === "GET" && req.path === "/v1/analytics/health") {
      return {
        status: 200,
        headers: { "content-type": "application/json" },
        body: '{"status":"ok","service":"analytics"}',
      };
    }
    try {
      return await route(deps, req);
    } catch (err) {
      return renderError(err);
    }
  };
}
