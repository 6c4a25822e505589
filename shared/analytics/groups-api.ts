import type { z } from "zod";
import { intParam } from "../http/query-params";
import { analyticsFilterQuery, toAnalyticsFilters } from "./filters";
import { type GroupDimension, groupQuery } from "./query-builder";
import { num, type QueryEngine, str } from "./query-engine";
import type { QueryScope } from "./where";

/** `/v1/analytics/groups/<name>` (and `/v1/analytics/groups/metadata/{key}`): the dimension each name groups by. */
export const GROUP_PATHS: Readonly<Record<string, GroupDimension>> = {
  users: "user",
  "ai-models": "model",
  model: "model",
  workspaces: "workspace",
  workspace: "workspace",
  ai_service: "provider",
  provider: "provider",
  status_code: "status_code",
  api_key: "api_key",
  config: "config",
  prompt: "prompt",
  virtual_key: "virtual_key",
};

/** Group queries: the analytics filters plus Portkey's page numbers (`page_size` 1..500, `current_page`). */
export const groupsQueryParams = analyticsFilterQuery.extend({
  page_size: intParam("page_size", 1, 500),
  current_page: intParam("current_page", 1, 100_000),
});

export type GroupsQuery = z.output<typeof groupsQueryParams>;

/** `metadataKey` is the decoded `{key}` of `groups/metadata/{key}` (1-256 characters, checked by the router). */
export async function groupsResponse(
  engine: QueryEngine,
  scope: QueryScope,
  dimension: GroupDimension,
  metadataKey: string | undefined,
  query: GroupsQuery,
  now: number,
) {
  const filters = toAnalyticsFilters(query, { now });
  const page = { size: query.page_size ?? 20, current: query.current_page ?? 1 };
  const rows = await engine.query(groupQuery(engine.dialect, scope, filters, dimension, page, metadataKey));
  const label = dimension === "metadata" ? (metadataKey as string) : dimension;
  const data = rows.map((r) => {
    const requests = num(r.requests) ?? 0;
    const errors = num(r.errors) ?? 0;
    return {
      [label]: str(r.group_key),
      requests,
      cost: num(r.cost_usd) ?? 0,
      total_tokens: num(r.total_tokens) ?? 0,
      avg_tokens: num(r.avg_tokens),
      avg_input_tokens: num(r.avg_input_tokens),
      avg_output_tokens: num(r.avg_output_tokens),
      avg_latency: num(r.avg_latency_ms),
      p95_latency: num(r.p95_latency_ms),
      p99_latency: num(r.p99_latency_ms),
      error_count: errors,
      success_rate: requests === 0 ? null : (100 * (requests - errors)) / requests,
      cache_hit_rate: requests === 0 ? null : (100 * (num(r.cache_hits) ?? 0)) / requests,
      first_seen: str(r.first_seen),
      last_seen: str(r.last_seen),
    };
  });
  return {
    object: "analytics-group",
    total: num(rows[0]?.total_groups) ?? 0,
    page_size: page.size,
    current_page: page.current,
    data,
  };
}
