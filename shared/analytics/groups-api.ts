import { BadRequestError } from "../core/errors";
import { parseAnalyticsFilters } from "./filters";
import { type GroupDimension, groupQuery } from "./query-builder";
import { num, type QueryEngine, str } from "./query-engine";
import type { QueryScope } from "./where";

/** `/analytics/groups/{users|ai-models|workspaces|metadata/{key}|<groupBy>}`. */
const GROUP_PATHS: Readonly<Record<string, GroupDimension>> = {
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
  virtual_key: "virtual_key",
};

function parsePageParam(query: URLSearchParams, name: string, fallback: number, max: number): number {
  const raw = query.get(name);
  if (raw === null || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new BadRequestError(`${name} must be an integer between 1 and ${max}.`, { param: name });
  }
  return n;
}

export async function groupsResponse(
  engine: QueryEngine,
  scope: QueryScope,
  rest: string,
  query: URLSearchParams,
  now: number,
) {
  let dimension: GroupDimension | undefined;
  let metadataKey: string | undefined;
  if (rest.startsWith("metadata/")) {
    dimension = "metadata";
    metadataKey = decodeURIComponent(rest.slice("metadata/".length));
    if (metadataKey.length === 0 || metadataKey.length > 256) {
      throw new BadRequestError("The metadata key must be 1-256 characters.");
    }
  } else {
    dimension = GROUP_PATHS[rest];
  }
  if (!dimension) throw new BadRequestError(`Unknown group: ${rest}.`);
  const filters = parseAnalyticsFilters(query, { now });
  const page = {
    size: parsePageParam(query, "page_size", 20, 500),
    current: parsePageParam(query, "current_page", 1, 100_000),
  };
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
