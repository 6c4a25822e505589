import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { duckDbColumnSpec, duckDbDialect, duckDbParquetSource, type SqlDialect } from "../shared/analytics/dialect";
import { parseAnalyticsFilters } from "../shared/analytics/filters";
import { logSearchQuery } from "../shared/analytics/log-queries";
import { groupQuery, summaryQuery, timeSeriesQuery } from "../shared/analytics/query-builder";
import { partitionRange, type SqlQuery } from "../shared/analytics/where";
import { LOG_COLUMNS } from "../shared/logging/log-columns";
import {
  generateLogs,
  LAYOUT_DAYS,
  LAYOUT_START,
  LAYOUT_WORKSPACES,
  type LayoutFormat,
  layoutFiles,
  REQUEST_BODY_CHARS,
  RESPONSE_BODY_CHARS,
  writeLayout,
} from "./log-layouts";

/**
 * Issue 16 item 5: bytes scanned and time per analytics query, GZIP JSON lines (before ADR 0040) vs Parquet
 * (after), at each size in `BENCH_ANALYTICS_RECORDS` (default 1M and 10M). The queries are the analytics API's own
 * (the query builder's SQL for one workspace), run by DuckDB over each layout. Bytes scanned are counted as Athena
 * bills them: JSON files are read whole, in every partition the `dt` range keeps; Parquet files only for the
 * column chunks the query names (from each file's footer), in those partitions.
 *
 * Writing GZIP is the slow part (DuckDB's gzip, ~10-16 MB/s): GZIP JSON (and GZIP Parquet, for the codec choice) is
 * written up to `BENCH_ANALYTICS_JSON_MAX` records (default 1M); above, the JSON's bytes and times are the largest
 * measured size scaled linearly (a JSON scan reads every byte, so both grow with the row count) and the figure
 * says "scaled".
 */
const MB = 1024 * 1024;

interface Measured {
  bytes: number;
  ms: number;
}

type Named = [name: string, query: (dialect: SqlDialect) => SqlQuery, range: [string, string]];

function queries(): Named[] {
  const from = new Date(LAYOUT_START).toISOString();
  const to = new Date(LAYOUT_START + LAYOUT_DAYS * 86_400_000 - 1).toISOString();
  const lastDay = new Date(LAYOUT_START + (LAYOUT_DAYS - 1) * 86_400_000).toISOString();
  const week = parseAnalyticsFilters(
    new URLSearchParams({ time_of_generation_min: from, time_of_generation_max: to }),
    { now: LAYOUT_START },
  );
  const day = { ...week, from: lastDay };
  const scope = { workspaceId: "ws-1" };
  const weekRange = partitionRange(week.from, week.to);
  const dayRange = partitionRange(day.from, day.to);
  return [
    [
      "summary (requests, cost, tokens, latency), 7 days",
      (d) => summaryQuery(d, scope, week, ["requests", "cost", "tokens", "latency"]),
      weekRange,
    ],
    ["summary, last day", (d) => summaryQuery(d, scope, day, ["requests", "cost", "tokens", "latency"]), dayRange],
    ["hourly series: requests + errors", (d) => timeSeriesQuery(d, scope, week, "hour", ["errors"]), weekRange],
    ["hourly series: latency p50/p90/p99", (d) => timeSeriesQuery(d, scope, week, "hour", ["latency"]), weekRange],
    ["group by model", (d) => groupQuery(d, scope, week, "model", { size: 20, current: 1 }), weekRange],
    [
      "group by metadata key",
      (d) => groupQuery(d, scope, week, "metadata", { size: 20, current: 1 }, "team"),
      weekRange,
    ],
    ["log search, first page of 50", (d) => logSearchQuery(d, scope, week, 50), weekRange],
  ];
}

async function run(connection: DuckDBConnection, statement: SqlQuery): Promise<number> {
  const prepared = await connection.prepare(statement.sql);
  try {
    prepared.bind([...statement.params]);
    const t0 = performance.now();
    const reader = await prepared.runAndReadAll();
    const ms = performance.now() - t0;
    if (reader.currentRowCount === 0) throw new Error(`no rows: ${statement.sql}`);
    return ms;
  } finally {
    prepared.destroySync();
  }
}

/** Top-level log columns a statement names (what a columnar engine reads). */
function columnsNamed(sql: string): Set<string> {
  return new Set(LOG_COLUMNS.map((c) => c.name).filter((name) => new RegExp(`\\b${name}\\b`).test(sql)));
}

/** Bytes of each file's column chunks by top-level column, from the Parquet footers. */
async function parquetChunkBytes(
  connection: DuckDBConnection,
  glob: string,
): Promise<Map<string, Map<string, number>>> {
  const reader = await connection.runAndReadAll(
    `SELECT file_name, split_part(path_in_schema, ', ', 1) AS col, sum(total_compressed_size) AS bytes
     FROM parquet_metadata('${glob}') GROUP BY 1, 2`,
  );
  const out = new Map<string, Map<string, number>>();
  for (const row of reader.getRowObjectsJS()) {
    const file = String(row.file_name);
    const perFile = out.get(file) ?? new Map<string, number>();
    perFile.set(String(row.col), Number(row.bytes));
    out.set(file, perFile);
  }
  return out;
}

async function measureLayout(
  connection: DuckDBConnection,
  dir: string,
  format: LayoutFormat,
): Promise<{ total: number; perQuery: Map<string, Measured>; bodyShare: number }> {
  const files = layoutFiles(dir);
  const total = [...files.values()].flat().reduce((sum, f) => sum + f.bytes, 0);
  const source =
    format === "json-gzip"
      ? `read_json('${dir}/*/*.json.gz', format = 'newline_delimited', hive_partitioning = true, ignore_errors = true, columns = ${duckDbColumnSpec()})`
      : duckDbParquetSource(dir);
  const chunks = format === "json-gzip" ? undefined : await parquetChunkBytes(connection, `${dir}/*/*.parquet`);
  let bodyBytes = 0;
  for (const perFile of chunks?.values() ?? []) {
    bodyBytes += (perFile.get("request_body") ?? 0) + (perFile.get("response_body") ?? 0);
  }
  const dialect = duckDbDialect(source);
  const perQuery = new Map<string, Measured>();
  for (const [name, build, [dtFrom, dtTo]] of queries()) {
    const statement = build(dialect);
    const named = columnsNamed(statement.sql);
    let bytes = 0;
    for (const [dt, list] of files) {
      if (dt < dtFrom || dt > dtTo) continue;
      for (const file of list) {
        if (!chunks) {
          bytes += file.bytes;
          continue;
        }
        for (const [col, size] of chunks.get(file.path) ?? []) if (named.has(col)) bytes += size;
      }
    }
    perQuery.set(name, { bytes, ms: await run(connection, statement) });
  }
  return { total, perQuery, bodyShare: chunks ? bodyBytes / total : Number.NaN };
}

function label(records: number): string {
  return records >= 1_000_000 ? `${records / 1_000_000}M` : `${records / 1000}k`;
}

export interface LayoutBenchOptions {
  records: readonly number[];
  jsonMax: number;
  threads?: number;
}

export function layoutBenchOptionsFromEnv(): LayoutBenchOptions {
  const records = (process.env.BENCH_ANALYTICS_RECORDS ?? "1000000,10000000").split(",").map(Number);
  if (records.some((n) => !Number.isInteger(n) || n < 10_000)) {
    throw new Error("BENCH_ANALYTICS_RECORDS: comma-separated integers >= 10000");
  }
  return { records, jsonMax: Number(process.env.BENCH_ANALYTICS_JSON_MAX ?? 1_000_000) };
}

/** Figures and, for each "after" figure, the "before" reference measured in the same run. */
export async function runLayoutBench(
  options: LayoutBenchOptions,
): Promise<{ figures: Record<string, number>; references: Record<string, string> }> {
  const figures: Record<string, number> = {};
  const references: Record<string, string> = {};
  const root = mkdtempSync(join(tmpdir(), "analytics-layouts-"));
  // A shared machine: at 10M rows DuckDB would take 10 GB; past 4 GB it spills to the bench's own directory.
  const instance = await DuckDBInstance.create(":memory:", {
    threads: String(options.threads ?? 2),
    memory_limit: "4GB",
    temp_directory: join(root, "spill"),
  });
  const connection = await instance.connect();
  let jsonAt: { records: number; result: Awaited<ReturnType<typeof measureLayout>> } | undefined;
  try {
    for (const records of options.records) {
      const n = label(records);
      const t0 = performance.now();
      await generateLogs(connection, records);
      figures[`${n}: generate rows in DuckDB (s)`] = (performance.now() - t0) / 1000;
      references[`${n}: generate rows in DuckDB (s)`] =
        `${LAYOUT_DAYS} days, ${LAYOUT_WORKSPACES} workspaces (queries: ws-1), bodies ~${REQUEST_BODY_CHARS}+${RESPONSE_BODY_CHARS} chars`;

      let before: Awaited<ReturnType<typeof measureLayout>>;
      let scaled = "";
      if (records <= options.jsonMax) {
        await writeLayout(connection, join(root, `${n}-json`), "json-gzip");
        before = await measureLayout(connection, join(root, `${n}-json`), "json-gzip");
        rmSync(join(root, `${n}-json`), { recursive: true, force: true });
        jsonAt = { records, result: before };
      } else if (jsonAt) {
        const factor = records / jsonAt.records;
        const source = jsonAt.result;
        before = {
          total: source.total * factor,
          bodyShare: Number.NaN,
          perQuery: new Map([...source.perQuery].map(([k, v]) => [k, { bytes: v.bytes * factor, ms: v.ms * factor }])),
        };
        scaled = ` (scaled x${factor} from ${label(jsonAt.records)})`;
      } else {
        throw new Error("BENCH_ANALYTICS_JSON_MAX is below the smallest size: nothing to scale from");
      }

      // GZIP Parquet (the codec ADR 0040 did not take) only where GZIP JSON is written too: both write at ~10 MB/s.
      const layouts: [LayoutFormat, string][] = [["parquet-snappy", "Parquet Snappy"]];
      if (records <= options.jsonMax) layouts.push(["parquet-gzip", "Parquet GZIP"]);
      for (const [format, name] of layouts) {
        const dir = join(root, `${n}-${format}`);
        await writeLayout(connection, dir, format);
        const after = await measureLayout(connection, dir, format);
        rmSync(dir, { recursive: true, force: true });
        const storage = `${n}: ${name}: storage (MB)`;
        figures[storage] = after.total / MB;
        references[storage] =
          `before (GZIP JSON${scaled}): ${(before.total / MB).toFixed(0)} MB; bodies are ${(after.bodyShare * 100).toFixed(0)}% of the Parquet bytes`;
        for (const [query, m] of after.perQuery) {
          const ref = before.perQuery.get(query);
          if (!ref) continue;
          const bytesKey = `${n}: ${name}: ${query}: MB scanned`;
          figures[bytesKey] = m.bytes / MB;
          references[bytesKey] =
            `before${scaled}: ${(ref.bytes / MB).toFixed(1)} MB (${(ref.bytes / Math.max(m.bytes, 1)).toFixed(0)}x more)`;
          const msKey = `${n}: ${name}: ${query}: ms`;
          figures[msKey] = m.ms;
          references[msKey] = `before${scaled}: ${ref.ms.toFixed(0)} ms`;
        }
      }
      await connection.run("DROP TABLE logs_src");
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
    rmSync(root, { recursive: true, force: true });
  }
  return { figures, references };
}
