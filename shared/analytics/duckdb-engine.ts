import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { duckDbDialect, duckDbFilesSource } from "./dialect";
import { createLogsTable, LOGS_TABLE, refreshLogsTable } from "./duckdb-ingest";
import type { Cell, QueryEngine, Row } from "./query-engine";
import type { SqlQuery } from "./where";

export interface DuckDbEngineOptions {
  /** The local runtime's data directory (`<dataDir>/logs/dt=YYYY-MM-DD/*.ndjson`). */
  dataDir: string;
  /**
   * `table` (default): queries run on a DuckDB table kept in step with the files (see duckdb-ingest.ts), refreshed
   * before a query at most every `refreshIntervalMs`. `files`: every query re-reads the NDJSON files (no state;
   * fine for small data, ~1-2 s per query at 1M records).
   */
  mode?: "table" | "files";
  /** Where the `table` mode keeps its columnar copy; default in memory (re-ingested on restart). */
  databasePath?: string;
  /** Default 1000 ms. 0 = refresh before every query (tests). */
  refreshIntervalMs?: number;
  /** DuckDB threads; default: DuckDB's own choice (all cores). */
  threads?: number;
}

export interface DuckDbEngine extends QueryEngine {
  /** Ingests new/changed files now (table mode); a no-op in files mode. */
  refresh(): Promise<void>;
}

function toCell(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "number" || typeof value === "string" || typeof value === "boolean") return value;
  return String(value);
}

async function runPrepared(connection: DuckDBConnection, statement: SqlQuery): Promise<Row[]> {
  let prepared: Awaited<ReturnType<DuckDBConnection["prepare"]>> | undefined;
  try {
    prepared = await connection.prepare(statement.sql);
    prepared.bind([...statement.params]);
    const reader = await prepared.runAndReadAll();
    return reader.getRowObjectsJS().map((raw) => {
      const row: Record<string, Cell> = {};
      for (const [k, v] of Object.entries(raw)) row[k] = toCell(v);
      return row;
    });
  } catch (err) {
    // Files mode over an empty data directory: "no rows", not an error.
    if (err instanceof Error && /No files found that match the pattern/i.test(err.message)) return [];
    throw err;
  } finally {
    prepared?.destroySync();
  }
}

/**
 * Local analytics engine: one DuckDB instance per process; statements are prepared and parameters bound, never
 * interpolated. Reads the same NDJSON records the local sink writes, typed by the Glue column list.
 */
export async function createDuckDbEngine(options: DuckDbEngineOptions): Promise<DuckDbEngine> {
  const mode = options.mode ?? "table";
  const refreshIntervalMs = options.refreshIntervalMs ?? 1000;
  const config: Record<string, string> = {};
  if (options.threads !== undefined) config.threads = String(options.threads);
  const instance = await DuckDBInstance.create(options.databasePath ?? ":memory:", config);
  const connection = await instance.connect();
  let lastRefresh = Number.NEGATIVE_INFINITY;
  let refreshing: Promise<void> | undefined;

  if (mode === "table") await createLogsTable(connection);

  function refresh(): Promise<void> {
    if (mode !== "table") return Promise.resolve();
    refreshing ??= refreshLogsTable(connection, options.dataDir)
      .then(() => {
        lastRefresh = performance.now();
      })
      .finally(() => {
        refreshing = undefined;
      });
    return refreshing;
  }

  return {
    dialect: duckDbDialect(mode === "table" ? LOGS_TABLE : duckDbFilesSource(options.dataDir)),
    refresh,
    query: async function queryDuckDb(statement: SqlQuery): Promise<Row[]> {
      if (mode === "table" && performance.now() - lastRefresh >= refreshIntervalMs) await refresh();
      return runPrepared(connection, statement);
    },
    close: async function closeDuckDb() {
      await refreshing;
      connection.closeSync();
      instance.closeSync();
    },
  };
}
