import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  duckDbDialect,
  duckDbFilesSource,
  duckDbParquetSource,
  hiveToDuckDbType,
  type SqlDialect,
} from "../../shared/analytics/dialect";
import { parseAnalyticsFilters } from "../../shared/analytics/filters";
import { logDetailQuery, logSearchQuery } from "../../shared/analytics/log-queries";
import { groupQuery, summaryQuery, timeSeriesQuery } from "../../shared/analytics/query-builder";
import type { SqlQuery } from "../../shared/analytics/where";
import { LOG_GLUE_COLUMNS } from "../../shared/logging/glue-columns";
import type { RequestLogRecord } from "../../shared/logging/record";
import { generateLogRecords, writeLogFiles } from "./analytics-log-generator";

/**
 * The Parquet layout of ADR 0040 (what Firehose writes in AWS: the Glue columns, `dt=YYYY-MM-DD/` partitions)
 * answers the query builder's statements exactly as the JSON lines it replaces. DuckDB converts here, as Firehose
 * does there, from the JSON records with the Glue column types.
 */
const START = Date.parse("2026-10-01T00:00:00.000Z");
const DAY = 86_400_000;
const records: RequestLogRecord[] = [
  ...generateLogRecords({
    count: 4000,
    seed: 11,
    startMs: START,
    spanMs: 3 * DAY,
    workspaces: ["ws-a", "ws-b"],
    bodyChars: 300,
  }),
];
const scope = { workspaceId: "ws-a" };
const filters = parseAnalyticsFilters(
  new URLSearchParams({
    time_of_generation_min: "2026-10-01T00:00:00.000Z",
    time_of_generation_max: "2026-10-02T23:59:59.999Z",
  }),
  { now: START },
);

let root: string;
let instance: DuckDBInstance;
let connection: DuckDBConnection;

async function rows(statement: SqlQuery): Promise<unknown[]> {
  const prepared = await connection.prepare(statement.sql);
  try {
    prepared.bind([...statement.params]);
    return (await prepared.runAndReadAll()).getRowObjectsJson();
  } finally {
    prepared.destroySync();
  }
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "analytics-parquet-"));
  writeLogFiles(root, records);
  instance = await DuckDBInstance.create(":memory:", { threads: "1" });
  connection = await instance.connect();
  await connection.run(
    `COPY (SELECT * FROM ${duckDbFilesSource(root)}) TO '${join(root, "parquet")}' (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (dt))`,
  );
});

afterAll(() => {
  connection.closeSync();
  instance.closeSync();
  rmSync(root, { recursive: true, force: true });
});

describe("the Parquet layout", () => {
  it("holds the Glue columns with their types, in day partitions", async () => {
    const parquet = join(root, "parquet");
    const described = await connection.runAndReadAll(
      `DESCRIBE SELECT * EXCLUDE (dt) FROM read_parquet('${parquet}/*/*.parquet')`,
    );

    expect(readdirSync(parquet).sort()).toEqual(["dt=2026-10-01", "dt=2026-10-02", "dt=2026-10-03"]);
    // DuckDB quotes only the struct field names that are keywords; the types are what matters
    const unquoted = (type: unknown) => String(type).replaceAll('"', "");
    expect(described.getRowObjectsJS().map((r) => [r.column_name, unquoted(r.column_type)])).toEqual(
      LOG_GLUE_COLUMNS.map((c) => [c.name, unquoted(hiveToDuckDbType(c.type))]),
    );
  });

  it("answers summary, series, groups, log search and log detail as the JSON lines do", async () => {
    const json = duckDbDialect(duckDbFilesSource(root));
    const parquet = duckDbDialect(duckDbParquetSource(join(root, "parquet")));
    const target = records.find((r) => r.workspace_id === "ws-a" && r.ts < "2026-10-02") as RequestLogRecord;
    const statements = (d: SqlDialect): SqlQuery[] => [
      summaryQuery(d, scope, filters, ["requests", "cost", "tokens", "errors", "cache", "users", "rescued"]),
      timeSeriesQuery(d, scope, filters, "hour", ["requests", "latency"]),
      groupQuery(d, scope, filters, "model", { size: 10, current: 1 }),
      groupQuery(d, scope, filters, "metadata", { size: 10, current: 1 }, "team"),
      logSearchQuery(d, scope, filters, 50),
      logDetailQuery(d, scope, target.id, Date.parse(target.ts)),
    ];
    const fromJson = await Promise.all(statements(json).map(rows));
    const fromParquet = await Promise.all(statements(parquet).map(rows));

    expect(fromParquet).toEqual(fromJson);
    const inRange = records.filter((r) => r.workspace_id === "ws-a" && r.ts >= filters.from && r.ts <= filters.to);
    expect(fromParquet[0]).toEqual([expect.objectContaining({ requests: String(inRange.length) })]);
    expect(fromParquet[5]).toEqual([expect.objectContaining({ id: target.id, request_body: target.request_body })]);
  });
});
