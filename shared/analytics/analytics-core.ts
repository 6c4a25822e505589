import * as z from "zod";
import { BadRequestError, NotFoundError, renderError } from "../core/errors";
import type { Authenticator, Principal } from "../core/principal";
import { type DashboardAssets, dashboardAsset, dashboardPage } from "../dashboard/assets";
import { type ApiRoute, routeBuilders } from "../http/api-route";
import { createApiRouter, readRouteInput } from "../http/api-router";
import { MAX_VALUE_LENGTH, textParam } from "../http/query-params";
import { type CoreHandler, type CoreRequest, jsonResponse } from "../http/types";
import type { LogSink } from "../logging/log-sink";
import { bucketKeys, bucketStart, chooseGranularity } from "./buckets";
import {
  type FeedbackUpdate,
  feedbackBodySchema,
  feedbackRows,
  feedbackUpdateSchema,
  stringifyMetadata,
} from "./feedback";
import { type AnalyticsFilterQuery, analyticsFilterQuery, toAnalyticsFilters } from "./filters";
import { GRAPH_ALIASES, GRAPHS } from "./graphs";
import { GROUP_PATHS, groupsQueryParams, groupsResponse } from "./groups-api";
import { feedbackByIdQuery } from "./log-queries";
import { logDetail, logSearchParams, searchLogs } from "./logs-api";
import {
  feedbackSeriesQuery,
  type Granularity,
  type GroupDimension,
  statusCodeSeriesQuery,
  summaryQuery,
  timeSeriesQuery,
} from "./query-builder";
import { num, type QueryEngine, type Row, str } from "./query-engine";
import type { QueryScope } from "./where";

export interface AnalyticsCoreDeps {
  authenticator: Authenticator;
  engine: QueryEngine;
  /** Where feedback rows go (Firehose in AWS, the NDJSON sink locally); the caller flushes per invocation. */
  feedbackSink: LogSink;
  /**
   * The built dashboard (shared/dashboard/assets.ts), loaded once: read at cold start (Lambda) or built on first
   * use (local runtime). Absent or undefined: `/dashboard` answers 404.
   */
  dashboard?: () => Promise<DashboardAssets | undefined>;
  now?: () => number;
}

/** What every analytics handler receives besides its validated input. */
export interface AnalyticsContext {
  readonly req: CoreRequest;
  readonly principal: Principal;
  readonly deps: AnalyticsCoreDeps;
  readonly now: number;
}

const GRANULARITIES = ["minute", "hour", "day", "month"] as const satisfies readonly Granularity[];

/** Graph queries: the analytics filters plus an optional bucket size (default: chosen from the range). */
const graphQuery = analyticsFilterQuery.extend({
  granularity: textParam(16)
    .pipe(z.enum(GRANULARITIES, { error: "granularity must be minute, hour, day or month." }).optional())
    .meta({ enum: [...GRANULARITIES] }),
});

type GraphQuery = z.output<typeof graphQuery>;

/** Graphs computed here rather than from the `GRAPHS` metric table. */
const SERIES_GRAPHS = ["errors-stack", "errors-status-code", "feedbacks", "feedbacks-scores", "feedbacks-weighted"];

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

async function graph(deps: AnalyticsCoreDeps, scope: QueryScope, name: string, query: GraphQuery, now: number) {
  const filters = toAnalyticsFilters(query, { now });
  const granularity = chooseGranularity(filters, query.granularity ?? null);
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

async function cacheSummary(deps: AnalyticsCoreDeps, scope: QueryScope, query: AnalyticsFilterQuery, now: number) {
  const filters = toAnalyticsFilters(query, { now });
  const rows = await deps.engine.query(summaryQuery(deps.engine.dialect, scope, filters, ["cache", "cost", "latency"]));
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

async function postFeedback(deps: AnalyticsCoreDeps, principal: Principal, body: unknown, now: number) {
  const rows = feedbackRows(body, principal, now);
  for (const row of rows) deps.feedbackSink.enqueue(row);
  return { status: "success", message: "feedback logged", feedback_id: rows.map((r) => r.id) };
}

async function putFeedback(
  deps: AnalyticsCoreDeps,
  principal: Principal,
  scope: QueryScope,
  id: string,
  update: FeedbackUpdate,
  now: number,
) {
  const { engine } = deps;
  const found = (await engine.query(feedbackByIdQuery(engine.dialect, scope, id)))[0];
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

const { route, publicRoute } = routeBuilders<AnalyticsContext>();

const DASHBOARD_MISSING = "The dashboard is not part of this build.";

/**
 * The dashboard (docs/dashboard.md): the page and its hashed assets, public like any static site (the page asks for a
 * key and calls the API from the browser). Declared here so routing, CDK and the OpenAPI document know them; the
 * core answers them from `deps.dashboard` (these handlers answer for a build without it).
 */
const DASHBOARD_PAGE = publicRoute({
  method: "GET",
  path: "/dashboard",
  operationId: "getDashboard",
  summary: "The dashboard page (it asks for a key and calls the analytics and admin APIs from the browser)",
  tag: "dashboard",
  produces: "text/html",
  handle: async () => renderError(new NotFoundError(DASHBOARD_MISSING)),
});

const DASHBOARD_ASSET = publicRoute({
  method: "GET",
  path: "/dashboard/assets/{file}",
  operationId: "getDashboardAsset",
  summary: "A static file of the dashboard (script, style), named by its content hash",
  tag: "dashboard",
  handle: async () => renderError(new NotFoundError(DASHBOARD_MISSING)),
});

const dashboardRoutes = [DASHBOARD_PAGE, DASHBOARD_ASSET];

/** `users/requests` -> `UsersRequests` (operation ids are identifiers). */
function pascal(name: string): string {
  return name
    .split(/[-/_]/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");
}

function graphRoute(name: string) {
  const canonical = GRAPH_ALIASES[name] ?? name;
  return route({
    method: "GET",
    path: `/v1/analytics/graphs/${name}`,
    operationId: `getGraph${pascal(name)}${canonical === name ? "" : "Alias"}`,
    summary: canonical === name ? `Time series and summary: ${name}` : `Alias of graphs/${canonical}`,
    tag: "analytics",
    auth: "analytics",
    query: graphQuery,
    handle: async (ctx) =>
      jsonResponse(200, await graph(ctx.deps, scopeOf(ctx.principal, ctx.req.query), canonical, ctx.query, ctx.now)),
  });
}

function groupRoute([name, dimension]: [string, GroupDimension]) {
  return route({
    method: "GET",
    path: `/v1/analytics/groups/${name}`,
    operationId: `getGroupsBy${pascal(name)}`,
    summary: `Requests, cost, tokens and latency grouped by ${dimension}`,
    tag: "analytics",
    auth: "analytics",
    query: groupsQueryParams,
    handle: async ({ deps, principal, req, query, now }) =>
      jsonResponse(
        200,
        await groupsResponse(deps.engine, scopeOf(principal, req.query), dimension, undefined, query, now),
      ),
  });
}

/**
 * The analytics function's API (Portkey-compatible, see docs/analytics.md): graphs, groups and summaries need the
 * `analytics` scope; log search, log detail and feedback the `logs` scope. The workspace always comes from the
 * principal. The one declaration the router, `GET /v1/openapi.json` and the API Gateway routes read.
 */
export const ANALYTICS_ROUTES: readonly ApiRoute<AnalyticsContext>[] = [
  publicRoute({
    method: "GET",
    path: "/v1/analytics/health",
    operationId: "analyticsHealth",
    summary: "Health check of the analytics function",
    tag: "health",
    handle: async () => jsonResponse(200, { status: "ok", service: "analytics" }),
  }),
  ...dashboardRoutes,
  ...[...Object.keys(GRAPHS), ...SERIES_GRAPHS, ...Object.keys(GRAPH_ALIASES)].map(graphRoute),
  ...Object.entries(GROUP_PATHS).map(groupRoute),
  route({
    method: "GET",
    path: "/v1/analytics/groups/metadata/{key}",
    operationId: "getGroupsByMetadataKey",
    summary: "Requests, cost, tokens and latency grouped by one metadata key",
    tag: "analytics",
    auth: "analytics",
    query: groupsQueryParams,
    handle: async ({ deps, principal, req, params, query, now }) =>
      jsonResponse(
        200,
        await groupsResponse(deps.engine, scopeOf(principal, req.query), "metadata", params[0], query, now),
      ),
  }),
  route({
    method: "GET",
    path: "/v1/analytics/summary/cache",
    operationId: "getCacheSummary",
    summary: "Cache hits, misses, hit rate and latency",
    tag: "analytics",
    auth: "analytics",
    query: analyticsFilterQuery,
    handle: async (ctx) =>
      jsonResponse(200, await cacheSummary(ctx.deps, scopeOf(ctx.principal, ctx.req.query), ctx.query, ctx.now)),
  }),
  route({
    method: "GET",
    path: "/v1/logs",
    operationId: "searchLogs",
    summary: "Search request logs, newest first (keyset cursor `after`)",
    tag: "logs",
    auth: "logs",
    query: logSearchParams,
    handle: ({ deps, principal, req, query, now }) =>
      searchLogs(deps.engine, scopeOf(principal, req.query), query, now),
  }),
  route({
    method: "GET",
    path: "/v1/logs/{id}",
    operationId: "getLog",
    summary: "One request log with its trace's feedback",
    tag: "logs",
    auth: "logs",
    handle: ({ deps, principal, req, params }) =>
      logDetail(deps.engine, scopeOf(principal, req.query), params[0] ?? ""),
  }),
  route({
    method: "POST",
    path: "/v1/feedback",
    operationId: "createFeedback",
    summary: "Record feedback on a trace (one object or an array)",
    tag: "feedback",
    auth: "logs",
    body: feedbackBodySchema,
    handle: async (ctx) => jsonResponse(200, await postFeedback(ctx.deps, ctx.principal, ctx.body, ctx.now)),
  }),
  route({
    method: "PUT",
    path: "/v1/feedback/{id}",
    operationId: "updateFeedback",
    summary: "Change a feedback's value, weight or metadata",
    tag: "feedback",
    auth: "logs",
    body: feedbackUpdateSchema,
    handle: async (ctx) =>
      jsonResponse(
        200,
        await putFeedback(
          ctx.deps,
          ctx.principal,
          scopeOf(ctx.principal, ctx.req.query),
          ctx.params[0] ?? "",
          ctx.body,
          ctx.now,
        ),
      ),
  }),
];

/**
 * The analytics function's core: routes a call through `ANALYTICS_ROUTES` (404/405 first), authenticates it with
 * the route's scope, validates its path, query and body, and renders every failure in OpenAI's shape.
 */
export function createAnalyticsCore(deps: AnalyticsCoreDeps): CoreHandler {
  const router = createApiRouter(ANALYTICS_ROUTES);
  const { dashboard } = deps;
  return async function analyticsCore(req) {
    try {
      const match = router.find(req.method, req.path);
      const { route } = match;
      if (route === DASHBOARD_PAGE || route === DASHBOARD_ASSET) {
        const assets = await dashboard?.();
        if (assets === undefined) throw new NotFoundError(DASHBOARD_MISSING);
        if (route === DASHBOARD_PAGE) return dashboardPage(assets);
        const found = dashboardAsset(assets, readRouteInput(match, req).params[0] ?? "");
        if (found === undefined) throw new NotFoundError("No such dashboard asset.");
        return found;
      }
      if (route.auth === "public") return await route.handle(req);
      const principal = await deps.authenticator.authenticate(req, route.auth);
      const now = (deps.now ?? Date.now)();
      return await route.handle({ req, principal, deps, now, ...readRouteInput(match, req) });
    } catch (err) {
      return renderError(err);
    }
  };
}
