import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDuckDbEngine, type DuckDbEngine } from "../../shared/analytics/duckdb-engine";
import { type AnalyticsFilters, parseAnalyticsFilters } from "../../shared/analytics/filters";
import { logSearchQuery } from "../../shared/analytics/log-queries";
import { groupQuery, statusCodeSeriesQuery, summaryQuery, timeSeriesQuery } from "../../shared/analytics/query-builder";
import { num, str } from "../../shared/analytics/query-engine";
import type { RequestLogRecord } from "../../shared/logging/record";
import { generateLogRecords, writeLogFiles } from "./analytics-log-generator";

const START = Date.parse("2026-10-01T00:00:00.000Z");
const DAY = 86_400_000;
const records: RequestLogRecord[] = [
  ...generateLogRecords({ count: 3000, seed: 7, startMs: START, spanMs: 3 * DAY, workspaces: ["ws-a", "ws-b"] }),
];
const scope = { workspaceId: "ws-a" };
const mine = records.filter((r) => r.workspace_id === "ws-a");

function filtersFor(params: Record<string, string>): AnalyticsFilters {
  return parseAnalyticsFilters(
    new URLSearchParams({
      time_of_generation_min: "2026-10-01T00:00:00.000Z",
      time_of_generation_max: "2026-10-03T23:59:59.999Z",
      ...params,
    }),
    { now: START },
  );
}

function percentileCont(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = p * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (rank - lo);
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

let dataDir: string;
const engines: Record<string, DuckDbEngine> = {};

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "analytics-duckdb-"));
  writeLogFiles(dataDir, records);
  engines.table = await createDuckDbEngine({ dataDir, mode: "table", refreshIntervalMs: 0, threads: 1 });
  engines.files = await createDuckDbEngine({ dataDir, mode: "files", threads: 1 });
});

afterAll(async () => {
  for (const engine of Object.values(engines)) await engine.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe.each(["table", "files"])("query builder on DuckDB (%s mode)", (mode) => {
  it("counts requests, errors, tokens and cost per day for the caller's workspace only", async () => {
    // Prepare
    const engine = engines[mode] as DuckDbEngine;
    const filters = filtersFor({});
    // Act
    const rows = await engine.query(
      timeSeriesQuery(engine.dialect, scope, filters, "day", ["requests", "errors", "tokens", "cost", "users"]),
    );
    // Assess
    expect(rows.map((r) => r.bucket)).toEqual(["2026-10-01", "2026-10-02", "2026-10-03"]);
    for (const row of rows) {
      const day = mine.filter((r) => r.ts.startsWith(String(row.bucket)));
      expect(num(row.requests)).toBe(day.length);
      expect(num(row.errors)).toBe(day.filter((r) => r.status >= 400).length);
      expect(num(row.total_tokens)).toBe(sum(day.map((r) => r.total_tokens)));
      expect(num(row.cost_usd)).toBeCloseTo(sum(day.map((r) => r.cost_usd ?? 0)), 9);
      expect(num(row.priced_requests)).toBe(day.filter((r) => r.cost_usd !== null).length);
      expect(num(row.unique_users)).toBe(new Set(day.map((r) => r.user)).size);
    }
  });

  it("computes latency percentiles and cache hits over the range", async () => {
    const engine = engines[mode] as DuckDbEngine;
    const [row] = await engine.query(summaryQuery(engine.dialect, scope, filtersFor({}), ["latency", "cache"]));
    const latencies = mine.map((r) => r.latency_ms);
    expect(num(row?.p50_latency_ms)).toBeCloseTo(percentileCont(latencies, 0.5), 6);
    expect(num(row?.p99_latency_ms)).toBeCloseTo(percentileCont(latencies, 0.99), 6);
    const hits = mine.filter((r) => r.cache_status === "hit" || r.cache_status === "semantic_hit");
    expect(num(row?.cache_hits)).toBe(hits.length);
  });

  it("applies model, status and metadata filters", async () => {
    const engine = engines[mode] as DuckDbEngine;
    const filters = filtersFor({ model: "gpt-4o-mini", status_code: "200,429", metadata: '{"env":"prod"}' });
    const [row] = await engine.query(summaryQuery(engine.dialect, scope, filters, ["requests"]));
    const expected = mine.filter(
      (r) => r.model_served === "gpt-4o-mini" && [200, 429].includes(r.status) && r.metadata.env === "prod",
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(num(row?.requests)).toBe(expected.length);
  });

  it("groups by model and by a metadata key, with the group total", async () => {
    const engine = engines[mode] as DuckDbEngine;
    const byModel = await engine.query(
      groupQuery(engine.dialect, scope, filtersFor({}), "model", { size: 2, current: 1 }),
    );
    const counts = new Map<string, number>();
    for (const r of mine) counts.set(r.model_served ?? "", (counts.get(r.model_served ?? "") ?? 0) + 1);
    const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    expect(byModel.map((r) => [r.group_key, num(r.requests)])).toEqual(top.slice(0, 2));
    expect(num(byModel[0]?.total_groups)).toBe(counts.size);
    const byTeam = await engine.query(
      groupQuery(engine.dialect, scope, filtersFor({}), "metadata", { size: 10, current: 1 }, "team"),
    );
    expect(sum(byTeam.map((r) => num(r.requests) ?? 0))).toBe(mine.length);
  });

  it("breaks errors down by status code", async () => {
    const engine = engines[mode] as DuckDbEngine;
    const rows = await engine.query(statusCodeSeriesQuery(engine.dialect, scope, filtersFor({}), "month"));
    const expected = new Map<number, number>();
    for (const r of mine.filter((x) => x.status >= 400)) expected.set(r.status, (expected.get(r.status) ?? 0) + 1);
    expect(new Map(rows.map((r) => [num(r.status), num(r.requests)]))).toEqual(expected);
  });

  it("pages through log search with the (ts, id) cursor without duplicates or gaps", async () => {
    const engine = engines[mode] as DuckDbEngine;
    const filters = filtersFor({ provider: "openai" });
    const seen: string[] = [];
    let cursor: { ts: string; id: string } | undefined;
    for (let page = 0; page < 100; page++) {
      const rows = await engine.query(logSearchQuery(engine.dialect, scope, filters, 97, cursor));
      const pageRows = rows.slice(0, 97);
      seen.push(...pageRows.map((r) => str(r.id) ?? ""));
      if (rows.length <= 97) break;
      const last = pageRows[pageRows.length - 1];
      cursor = { ts: str(last?.ts) ?? "", id: str(last?.id) ?? "" };
    }
    const expected = mine
      .filter((r) => r.provider === "openai")
      .sort((a, b) => (a.ts === b.ts ? b.id.localeCompare(a.id) : b.ts.localeCompare(a.ts)))
      .map((r) => r.id);
    expect(seen).toEqual(expected);
  });
});
