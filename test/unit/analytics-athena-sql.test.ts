import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { athenaDialect } from "../../shared/analytics/dialect";
import { parseAnalyticsFilters } from "../../shared/analytics/filters";
import {
  feedbackByIdQuery,
  feedbackForTraceQuery,
  logDetailQuery,
  logSearchQuery,
} from "../../shared/analytics/log-queries";
import {
  feedbackSeriesQuery,
  type GroupDimension,
  groupQuery,
  type SeriesMetric,
  statusCodeSeriesQuery,
  summaryQuery,
  timeSeriesQuery,
} from "../../shared/analytics/query-builder";
import type { SqlQuery } from "../../shared/analytics/where";
import { toExecutionParameter } from "../../shared/aws/athena-engine";
import { BadRequestError } from "../../shared/core/errors";
import { DETAIL_ONLY_COLUMNS } from "../../shared/logging/glue-columns";
import { uuidV7 } from "../../shared/logging/ids";

const dialect = athenaDialect({ database: "gateway_logs", table: "requests" });
const scope = { workspaceId: "ws-123" };
const RANGE = { time_of_generation_min: "2026-10-01T00:00:00Z", time_of_generation_max: "2026-10-02T12:00:00Z" };

function placeholders(sql: string): number {
  return (sql.match(/\?/g) ?? []).length;
}

describe("Athena dialect SQL", () => {
  it("binds the workspace, partitions and time range as parameters of a time-series query", () => {
    // Prepare
    const filters = parseAnalyticsFilters(new URLSearchParams(RANGE), { now: 0 });
    // Act
    const q = timeSeriesQuery(dialect, scope, filters, "hour", ["requests", "latency"]);
    // Assess
    expect(q.sql).toContain('FROM "gateway_logs"."requests"');
    expect(q.sql).toContain("workspace_id = ?");
    expect(q.sql).toContain("dt BETWEEN ? AND ?");
    expect(q.sql).toContain("approx_percentile(latency_ms, 0.99)");
    expect(q.sql).not.toContain("quantile_cont");
    expect(q.params.slice(0, 5)).toEqual([
      "ws-123",
      "2026-10-01",
      "2026-10-03",
      "2026-10-01T00:00:00.000Z",
      "2026-10-02T12:00:00.000Z",
    ]);
    expect(placeholders(q.sql)).toBe(q.params.length);
  });

  it("gives every aggregate and search query the dt range of its time range, and none reads a body", () => {
    // Prepare: Athena prunes partitions only on a predicate over the partition column itself
    const filters = parseAnalyticsFilters(
      new URLSearchParams({ ...RANGE, weighted_feedback_min: "1", metadata: '{"team":"a"}' }),
      { now: 0 },
    );
    const metrics: SeriesMetric[] = ["requests", "errors", "cost", "latency", "tokens", "cache", "users", "rescued"];
    const dimensions: GroupDimension[] = [
      "model",
      "provider",
      "user",
      "api_key",
      "config",
      "prompt",
      "virtual_key",
      "status_code",
      "workspace",
      "metadata",
    ];
    // Act
    const queries: SqlQuery[] = [
      timeSeriesQuery(dialect, scope, filters, "hour", metrics),
      summaryQuery(dialect, scope, filters, metrics),
      statusCodeSeriesQuery(dialect, scope, filters, "day", true),
      feedbackSeriesQuery(dialect, scope, filters, "day"),
      logSearchQuery(dialect, scope, filters, 50, { ts: "2026-10-01T01:00:00.000Z", id: "x" }),
      ...dimensions.map((d) => groupQuery(dialect, scope, filters, d, { size: 20, current: 1 }, "team")),
    ];
    // Assess
    expect(DETAIL_ONLY_COLUMNS).toEqual(["request_body", "response_body"]);
    for (const q of queries) {
      const where = q.sql.slice(q.sql.indexOf("WHERE"));
      const dtAt = placeholders(where.slice(0, where.indexOf("dt BETWEEN ? AND ?")));
      expect(where).toContain("dt BETWEEN ? AND ?");
      // one day wider than ts at the top: Firehose files a row under its arrival day
      expect(q.params.slice(-placeholders(where)).slice(dtAt, dtAt + 2)).toEqual(["2026-10-01", "2026-10-03"]);
      for (const column of DETAIL_ONLY_COLUMNS) expect(q.sql).not.toMatch(new RegExp(`\\b${column}\\b`));
    }
    // the feedback filter's subquery prunes too (from the first day on: feedback may come later)
    expect(queries[0]?.sql).toMatch(/kind = 'feedback' AND dt >= \? AND feedback_value/);
  });

  it("derives the partitions of a point lookup from its UUIDv7 id; only log detail reads the bodies", () => {
    const id = uuidV7(Date.parse("2026-10-05T23:59:00.000Z"));
    const detail = logDetailQuery(dialect, scope, id, Date.parse("2026-10-05T23:59:00.000Z"));
    const feedback = feedbackByIdQuery(dialect, scope, id);
    const trace = feedbackForTraceQuery(dialect, scope, "t-1", "2026-10-05T23:59:00.000Z");

    expect(detail.sql).toContain("dt BETWEEN ? AND ?");
    expect(detail.params).toEqual(["ws-123", id, "2026-10-05", "2026-10-06"]);
    expect(detail.sql).toMatch(/\brequest_body\b.*\bresponse_body\b/s);
    expect(feedback.sql).toContain("dt >= ?");
    expect(feedback.params).toEqual(["ws-123", id, "2026-10-05"]);
    expect(feedbackByIdQuery(dialect, scope, "not-a-v7-id").sql).not.toContain("dt");
    expect(trace.params).toEqual(["ws-123", "t-1", "2026-10-05"]);
  });

  it("puts every placeholder in the WHERE clause (Athena's rule)", () => {
    const filters = parseAnalyticsFilters(new URLSearchParams({ ...RANGE, metadata: '{"a":"b"}' }), { now: 0 });
    const queries: SqlQuery[] = [
      timeSeriesQuery(dialect, scope, filters, "day", ["requests", "cost", "cache", "users", "rescued"]),
      groupQuery(dialect, scope, filters, "metadata", { size: 10, current: 2 }, "team"),
      logSearchQuery(dialect, scope, filters, 20, { ts: "2026-10-01T01:00:00.000Z", id: "x" }),
      logDetailQuery(dialect, scope, "some-id"),
    ];
    for (const q of queries) {
      const [beforeWhere] = q.sql.split("WHERE");
      expect(beforeWhere).not.toContain("?");
      const afterWhere = q.sql.slice(q.sql.indexOf("WHERE"));
      expect(afterWhere.split(/GROUP BY|ORDER BY/)[1] ?? "").not.toContain("?");
      expect(placeholders(q.sql)).toBe(q.params.length);
    }
  });

  it("renders execution parameters as SQL literals with quotes escaped", () => {
    expect(toExecutionParameter("it's")).toBe("'it''s'");
    expect(toExecutionParameter(42)).toBe("42");
    expect(toExecutionParameter(0.25)).toBe("DOUBLE '0.25'");
  });

  it("never puts filter strings into the SQL text (fuzz)", () => {
    // The SQL the gateway writes for the same statements with neutral filter values
    const neutral = parseAnalyticsFilters(
      new URLSearchParams({ ...RANGE, model: "m", trace_id: "t", virtual_keys: "m", metadata: '{"k":"v"}' }),
      { now: 0 },
    );
    const OWN_SQL = [
      summaryQuery(dialect, scope, neutral, ["requests", "latency"]),
      groupQuery(dialect, scope, neutral, "metadata", { size: 5, current: 1 }, "k"),
      logSearchQuery(dialect, scope, neutral, 10, { ts: neutral.from, id: "t" }),
      logDetailQuery(dialect, scope, "t"),
    ]
      .map((q) => q.sql)
      .join("\n");
    const value = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim().length > 0 && !s.includes(","));
    fc.assert(
      fc.property(value, value, value, value, (model, metaKey, metaValue, traceId) => {
        const query = new URLSearchParams({
          ...RANGE,
          model,
          trace_id: traceId,
          virtual_keys: model,
          metadata: JSON.stringify({ [metaKey]: metaValue }),
        });
        let filters: ReturnType<typeof parseAnalyticsFilters>;
        try {
          filters = parseAnalyticsFilters(query, { now: 0 });
        } catch (err) {
          expect(err).toBeInstanceOf(BadRequestError);
          return;
        }
        const statements = [
          summaryQuery(dialect, scope, filters, ["requests", "latency"]),
          groupQuery(dialect, scope, filters, "metadata", { size: 5, current: 1 }, metaKey),
          logSearchQuery(dialect, scope, filters, 10, { ts: filters.from, id: traceId }),
          logDetailQuery(dialect, scope, traceId),
        ];
        for (const s of statements) {
          // A value found in the SQL is evidence of injection only when the SQL the gateway writes for other values
          // lacks it (a value such as "(pro" or "AND" also occurs in SQL we write ourselves).
          for (const v of [model.trim(), metaKey, metaValue, traceId.trim()]) {
            if (v.length >= 4 && /[^A-Za-z_ ]/.test(v) && !OWN_SQL.includes(v)) expect(s.sql).not.toContain(v);
          }
          expect(s.params).toContain(scope.workspaceId);
          expect(placeholders(s.sql)).toBe(s.params.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("reads every workspace for the root key, or binds the one it names; never writes it into the SQL (fuzz)", () => {
    const filters = parseAnalyticsFilters(new URLSearchParams(RANGE), { now: 0 });
    const all = { workspaceId: undefined };
    const statements = (scoped: { workspaceId: string | undefined }) => [
      summaryQuery(dialect, scoped, filters, ["requests"]),
      groupQuery(dialect, scoped, filters, "workspace", { size: 5, current: 1 }),
      logSearchQuery(dialect, scoped, filters, 10),
      logDetailQuery(dialect, scoped, "some-id"),
    ];
    for (const q of statements(all)) {
      expect(q.sql).not.toContain("workspace_id = ?");
      expect(placeholders(q.sql)).toBe(q.params.length);
    }
    fc.assert(
      fc.property(fc.string({ minLength: 4, maxLength: 60 }), (workspaceId) => {
        for (const q of statements({ workspaceId })) {
          expect(q.sql).toContain("workspace_id = ?");
          expect(q.params[0]).toBe(workspaceId);
          if (/[^A-Za-z_ ]/.test(workspaceId)) expect(q.sql).not.toContain(workspaceId);
          expect(placeholders(q.sql)).toBe(q.params.length);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("rejects malformed filters with 400", () => {
    const bad = [
      { ...RANGE, status_code: "abc" },
      { ...RANGE, metadata: "[1,2]" },
      { ...RANGE, ai_org_model: "nomodel" },
      { time_of_generation_min: "yesterday", time_of_generation_max: RANGE.time_of_generation_max },
      { time_of_generation_min: RANGE.time_of_generation_max, time_of_generation_max: RANGE.time_of_generation_min },
    ];
    for (const params of bad) {
      expect(() => parseAnalyticsFilters(new URLSearchParams(params), { now: 0 })).toThrow(BadRequestError);
    }
  });
});
