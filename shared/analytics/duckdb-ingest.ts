import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { LOG_GLUE_COLUMNS } from "../logging/glue-columns";
import { duckDbColumnSpec, hiveToDuckDbType } from "./dialect";

/**
 * Keeps a DuckDB table (`logs`) in step with the NDJSON files, so analytics queries scan a columnar table instead
 * of re-parsing every JSON line. The files stay the source of truth; the table is a derived cache:
 * - a new file is inserted; a file whose size changed (the sink's open file) is deleted and re-inserted (the sink
 *   rotates files at 8 MiB, so re-reads stay small); a file that disappeared (retention) has its rows deleted;
 * - a half-written last line is skipped (`ignore_errors`) and picked up on the next refresh, when the size differs.
 * File paths come from the data directory listing (operator-controlled), never from a request.
 */
export const LOGS_TABLE = "logs";

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export async function createLogsTable(connection: DuckDBConnection): Promise<void> {
  // Glue columns in Glue order, then the partition and the source file (the INSERT below relies on this order).
  const columns = LOG_GLUE_COLUMNS.map((c) => `"${c.name}" ${hiveToDuckDbType(c.type)}`);
  await connection.run(`CREATE TABLE IF NOT EXISTS ${LOGS_TABLE} (${columns.join(", ")}, dt VARCHAR, _file VARCHAR)`);
  await connection.run("CREATE TABLE IF NOT EXISTS _ingested_files (path VARCHAR PRIMARY KEY, size BIGINT)");
}

async function listLogFiles(dataDir: string): Promise<Map<string, number>> {
  const logsDir = join(dataDir, "logs");
  const out = new Map<string, number>();
  let partitions: string[];
  try {
    partitions = await readdir(logsDir);
  } catch {
    return out;
  }
  for (const partition of partitions) {
    if (!partition.startsWith("dt=")) continue;
    const dir = join(logsDir, partition);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!name.endsWith(".ndjson")) continue;
      const path = join(dir, name);
      try {
        out.set(path, (await stat(path)).size);
      } catch {
        // removed between readdir and stat
      }
    }
  }
  return out;
}

export interface IngestStats {
  inserted: number;
  reloaded: number;
  removed: number;
}

export async function refreshLogsTable(connection: DuckDBConnection, dataDir: string): Promise<IngestStats> {
  const onDisk = await listLogFiles(dataDir);
  const known = new Map<string, number>();
  const reader = await connection.runAndReadAll("SELECT path, size FROM _ingested_files");
  for (const row of reader.getRowObjectsJS()) known.set(String(row.path), Number(row.size));
  const stats: IngestStats = { inserted: 0, reloaded: 0, removed: 0 };
  for (const [path] of known) {
    if (onDisk.has(path)) continue;
    await connection.run(`DELETE FROM ${LOGS_TABLE} WHERE _file = ?`, [path]);
    await connection.run("DELETE FROM _ingested_files WHERE path = ?", [path]);
    stats.removed++;
  }
  const columns = duckDbColumnSpec();
  for (const [path, size] of onDisk) {
    const previous = known.get(path);
    if (previous === size) continue;
    const dt = /dt=([^/\\]+)/.exec(path)?.[1] ?? "";
    await connection.run("BEGIN TRANSACTION");
    try {
      if (previous !== undefined) await connection.run(`DELETE FROM ${LOGS_TABLE} WHERE _file = ?`, [path]);
      await connection.run(
        `INSERT INTO ${LOGS_TABLE} SELECT *, ? AS dt, ? AS _file FROM read_json(${sqlString(path)}, format = 'newline_delimited', hive_partitioning = false, ignore_errors = true, columns = ${columns})`,
        [dt, path],
      );
      await connection.run("INSERT OR REPLACE INTO _ingested_files VALUES (?, ?)", [path, size]);
      await connection.run("COMMIT");
    } catch (err) {
      await connection.run("ROLLBACK");
      throw err;
    }
    if (previous === undefined) stats.inserted++;
    else stats.reloaded++;
  }
  return stats;
}
