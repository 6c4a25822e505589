import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createDuckDbEngine } from "../shared/analytics/duckdb-engine";
import { parseAnalyticsFilters } from "../shared/analytics/filters";
import { logSearchQuery } from "../shared/analytics/log-queries";
import { groupQuery, type SeriesMetric, timeSeriesQuery } from "../shared/analytics/query-builder";
import { createLoggingObserver } from "../shared/gateway/log-observer";
import { createMemorySink, toNdjsonBytes } from "../shared/logging/log-sink";
import type { LogRow } from "../shared/logging/record";
import { generateLogRecords, writeLogFiles } from "../test/unit/analytics-log-generator";
import { layoutBenchOptionsFromEnv, runLayoutBench } from "./analytics-layouts";

const RECORDS = 1_000_000;
const DAYS = 7;
const START = Date.parse("2026-10-01T00:00:00.000Z");

async function timed<T>(fn: () => Promise<T>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Per-request logging cost on the gateway's path: build + redact + cap + enqueue (+ serialise, reported apart). */

export function hotPathMicros(): { build: number; serialise: number } {
  // Like the Firehose sink between flushes: rows are queued, then drained once per invocation.
  const sink = createMemorySink();
  const sample: LogRow[] = [];
  const observer = createLoggingObserver({ sink });
  const requestBody = Buffer.from(
    JSON.stringify({
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: "You are a helpful assistant. ".repeat(10) },
        { role: "user", content: "Summarise the following text: ".repeat(30) },
      ],
      max_tokens: 256,
    }),
  );
  const responseBody = JSON.stringify({ choices: [{ message: { role: "assistant", content: "word ".repeat(200) } }] });
  const iterations = 20_000;
  const run = (n: number) => {
    for (let i = 0; i < n; i++) {
      // What the gateway core hands over once a request is over; the record is built from it.
      observer.finish({
        traceId: `t-${i}`,
        startedAt: Date.now(),
        method: "POST",
        endpoint: "chat",
        workspaceId: "ws-1",
        apiKeyId: "key-1",
        logBodies: true,
        modelRequested: "gpt-4o-mini",
        stream: false,
        metadata: { env: "prod", _user: "u1" },
        requestBody,
        provider: "openai",
        modelServed: "gpt-4o-mini-2024-07-18",
        attempts: [{ provider: "openai", model: "gpt-4o-mini", status: 200, latencyMs: 120 }],
        latencyMs: 125,
        ttftMs: 121,
        responseBody,
        usage: { prompt_tokens: 420, completion_tokens: 200, cached_tokens: 0, total_tokens: 620 },
        cacheStatus: "MISS",
        status: 200,
        clientAborted: false,
      });
      if (sink.rows.length >= 16) {
        if (sample.length < 2000) sample.push(...sink.rows);
        sink.rows.length = 0;
      }
    }
  };
  run(2000); // warm-up
  sample.length = 0;
  const t0 = performance.now();
  run(iterations);
  const build = ((performance.now() - t0) * 1000) / iterations;
  const t1 = performance.now();
  let bytes = 0;
  for (const row of sample) bytes += toNdjsonBytes(row).length;
  const serialise = ((performance.now() - t1) * 1000) / sample.length;
  if (bytes === 0) throw new Error("nothing serialised");
  return { build, serialise };
}

/** The logging hot path alone (`BENCH_ONLY=logging`): no 1M-record data set. */
export async function runLoggingBench(): Promise<Record<string, number>> {
  const hot = hotPathMicros();
  return {
    "hot path: build+redact+enqueue (us/request)": hot.build,
    "hot path: JSON line serialise (us/request)": hot.serialise,
  };
}

let layoutReferences: Record<string, string> = {};

/** The "before" reference of each layout figure, measured in the last `runAnalyticsBench` run. */
export function analyticsReferences(): Record<string, string> {
  return layoutReferences;
}

export async function runAnalyticsBench(): Promise<Record<string, number>> {
  const results: Record<string, number> = await runLoggingBench();

  const dataDir = mkdtempSync(join(tmpdir(), "analytics-bench-"));
  try {
    results["generate 1M records to NDJSON (ms)"] = await timed(async () =>
      writeLogFiles(
        dataDir,
        generateLogRecords({
          count: RECORDS,
          seed: 42,
          startMs: START,
          spanMs: DAYS * 86_400_000,
          workspaces: ["ws-1", "ws-2"],
          bodyChars: 200,
        }),
      ),
    );
    const engine = await createDuckDbEngine({ dataDir, refreshIntervalMs: 60_000 });
    results["DuckDB ingest 1M records into table, one-off (ms)"] = await timed(() => engine.refresh());
    const filters = parseAnalyticsFilters(
      new URLSearchParams({
        time_of_generation_min: new Date(START).toISOString(),
        time_of_generation_max: new Date(START + DAYS * 86_400_000 - 1).toISOString(),
      }),
      { now: START },
    );
    const scope = { workspaceId: "ws-1" };
    const series: Array<[string, SeriesMetric[]]> = [
      ["requests", ["requests"]],
      ["cost", ["cost"]],
      ["latency p50/p90/p99", ["latency"]],
      ["tokens", ["tokens"]],
      ["errors + error rate", ["errors"]],
      ["cache hit rate", ["cache"]],
      ["unique users", ["users"]],
      ["rescued", ["rescued"]],
    ];
    for (const [name, metrics] of series) {
      results[`time series (hourly, 7 days): ${name} (ms)`] = await timed(() =>
        engine.query(timeSeriesQuery(engine.dialect, scope, filters, "hour", metrics)),
      );
    }
    results["group by model (ms)"] = await timed(() =>
      engine.query(groupQuery(engine.dialect, scope, filters, "model", { size: 20, current: 1 })),
    );
    results["group by metadata key (ms)"] = await timed(() =>
      engine.query(groupQuery(engine.dialect, scope, filters, "metadata", { size: 20, current: 1 }, "team")),
    );
    results["log search, first page of 50 (ms)"] = await timed(() =>
      engine.query(logSearchQuery(engine.dialect, scope, filters, 50)),
    );
    await engine.close();
    const files = await createDuckDbEngine({ dataDir, mode: "files" });
    results["files mode (no table): requests series (ms)"] = await timed(() =>
      files.query(timeSeriesQuery(files.dialect, scope, filters, "hour", ["requests"])),
    );
    await files.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  // Storage layouts (ADR 0040): bytes scanned and time per query, GZIP JSON lines vs Parquet, 1M and 10M rows.
  const layouts = await runLayoutBench(layoutBenchOptionsFromEnv());
  layoutReferences = layouts.references;
  return { ...results, ...layouts.figures };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const results = await runAnalyticsBench();
  const width = Math.max(...Object.keys(results).map((k) => k.length));
  for (const [name, value] of Object.entries(results)) console.log(`${name.padEnd(width)}  ${value.toFixed(2)}`);
}
