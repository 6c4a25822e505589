/**
 * Query strings the dashboard sends to the analytics API (docs/analytics.md): the time range, the filters of the
 * logs and analytics views, and the log search. Pure (no DOM), unit-tested.
 */
export const RANGES = { "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000 } as const;
export type RangeName = keyof typeof RANGES;

export function isRangeName(value: string): value is RangeName {
  return Object.hasOwn(RANGES, value);
}

export interface TimeRange {
  readonly from: string;
  readonly to: string;
}

/** The last `range` ending at `now` (ms), as the API's ISO bounds. */
export function timeRange(range: RangeName, now: number): TimeRange {
  return { from: new Date(now - RANGES[range]).toISOString(), to: new Date(now).toISOString() };
}

/** What a person can filter on in the Logs and Analytics views; empty strings mean "no filter". */
export interface ViewFilters {
  readonly model?: string;
  readonly provider?: string;
  readonly status?: string;
  readonly virtualKey?: string;
  readonly config?: string;
  readonly traceId?: string;
  readonly metadataKey?: string;
  readonly metadataValue?: string;
  /** Free text of "Search logs": a trace id, a model or a metadata value (the API's `search`). */
  readonly search?: string;
}

/** The API's query parameters for a range and filters (Portkey's names; only filters that are set). */
export function filterParams(range: TimeRange, filters: ViewFilters = {}): URLSearchParams {
  const params = new URLSearchParams({ time_of_generation_min: range.from, time_of_generation_max: range.to });
  const set = (name: string, value: string | undefined) => {
    const trimmed = value?.trim();
    if (trimmed) params.set(name, trimmed);
  };
  set("model", filters.model);
  set("provider", filters.provider);
  set("status_code", filters.status);
  set("virtual_keys", filters.virtualKey);
  set("configs", filters.config);
  set("trace_id", filters.traceId);
  set("search", filters.search);
  const key = filters.metadataKey?.trim();
  if (key) params.set("metadata", JSON.stringify({ [key]: filters.metadataValue?.trim() ?? "" }));
  return params;
}

/** `GET /v1/logs` for one page: the filters, the page size and the cursor of the previous page. */
export function logSearchPath(range: TimeRange, filters: ViewFilters, pageSize: number, after?: string): string {
  const params = filterParams(range, filters);
  params.set("limit", String(pageSize));
  if (after) params.set("after", after);
  return `/v1/logs?${params}`;
}

/** Filters as the hash route's query (`#/logs?model=...`), so a filtered view can be bookmarked and shared. */
export function filtersToHash(filters: ViewFilters): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) {
    if (typeof value === "string" && value.trim()) params.set(name, value.trim());
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

const FILTER_NAMES = [
  "model",
  "provider",
  "status",
  "virtualKey",
  "config",
  "traceId",
  "metadataKey",
  "metadataValue",
  "search",
] as const satisfies readonly (keyof ViewFilters)[];

export function filtersFromHash(query: string): ViewFilters {
  const params = new URLSearchParams(query.startsWith("?") ? query.slice(1) : query);
  const out: Record<string, string> = {};
  for (const name of FILTER_NAMES) {
    const value = params.get(name);
    if (value) out[name] = value;
  }
  return out;
}

/** Percent-encodes a path segment (slugs, ids, metadata keys) for the API's `{name}` segments. */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
