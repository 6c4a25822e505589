import {
  type AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import { athenaDialect } from "../analytics/dialect";
import type { Cell, QueryEngine, Row } from "../analytics/query-engine";
import type { SqlParam, SqlQuery } from "../analytics/where";
import { UpstreamTimeoutError, UpstreamUnavailableError } from "../core/errors";

export interface AthenaEngineOptions {
  client: AthenaClient;
  workGroup: string;
  database: string;
  table: string;
  /** Give up waiting after this long; default 25 s (API Gateway's limit is 29 s). */
  timeoutMs?: number;
  /** First poll delay; grows x1.5 per poll up to 1 s. Default 100 ms. */
  pollDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Athena execution parameters are SQL literals: strings must arrive single-quoted (quotes doubled), numbers as
 * plain digits. The SQL text itself only ever holds `?`.
 */
export function toExecutionParameter(value: SqlParam): string {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError("Non-finite numeric parameter");
    return Number.isInteger(value) ? String(value) : `DOUBLE '${value}'`;
  }
  return `'${value.replaceAll("'", "''")}'`;
}

const NUMERIC_TYPES = new Set(["tinyint", "smallint", "integer", "bigint", "double", "float", "real", "decimal"]);

/** Athena returns every cell as a string; convert by the column type it reports. */
export function convertCell(type: string | undefined, raw: string | undefined): Cell {
  if (raw === undefined) return null;
  const t = (type ?? "varchar").toLowerCase();
  if (NUMERIC_TYPES.has(t)) {
    const n = Number(raw);
    return Number.isFinite(n) ? n : null;
  }
  if (t === "boolean") return raw === "true";
  return raw;
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function createAthenaEngine(options: AthenaEngineOptions): QueryEngine {
  const { client } = options;
  const timeoutMs = options.timeoutMs ?? 25_000;
  const sleep = options.sleep ?? defaultSleep;

  /** A query nobody waits for any more would keep scanning (and billing): stop it. Best effort, the 504 stands. */
  async function stopQuery(queryExecutionId: string): Promise<void> {
    try {
      await client.send(new StopQueryExecutionCommand({ QueryExecutionId: queryExecutionId }));
    } catch {
      // already finished, or Athena refused: nothing more to do for a query that ends with the workgroup's limits
    }
  }

  async function waitForCompletion(queryExecutionId: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let delay = options.pollDelayMs ?? 100;
    for (;;) {
      const out = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryExecutionId }));
      const state = out.QueryExecution?.Status?.State;
      if (state === "SUCCEEDED") return;
      if (state === "FAILED" || state === "CANCELLED") {
        const reason = out.QueryExecution?.Status?.StateChangeReason ?? "no reason given";
        throw new UpstreamUnavailableError(`Analytics query ${state.toLowerCase()}.`, { cause: new Error(reason) });
      }
      if (Date.now() + delay > deadline) {
        await stopQuery(queryExecutionId);
        throw new UpstreamTimeoutError(timeoutMs);
      }
      await sleep(delay);
      delay = Math.min(delay * 1.5, 1000);
    }
  }

  async function readAll(queryExecutionId: string): Promise<Row[]> {
    const rows: Row[] = [];
    let names: string[] = [];
    let types: (string | undefined)[] = [];
    let token: string | undefined;
    let first = true;
    do {
      const page: GetQueryResultsCommandOutput = await client.send(
        new GetQueryResultsCommand({ QueryExecutionId: queryExecutionId, NextToken: token, MaxResults: 1000 }),
      );
      if (first) {
        const info = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
        names = info.map((c) => c.Name ?? "");
        types = info.map((c) => c.Type);
      }
      const data = page.ResultSet?.Rows ?? [];
      // The first row of the first page repeats the column names.
      for (const [index, raw] of data.entries()) {
        if (first && index === 0) continue;
        const row: Record<string, Cell> = {};
        raw.Data?.forEach((cell, i) => {
          const name = names[i];
          if (name) row[name] = convertCell(types[i], cell.VarCharValue);
        });
        rows.push(row);
      }
      first = false;
      token = page.NextToken;
    } while (token);
    return rows;
  }

  return {
    dialect: athenaDialect({ database: options.database, table: options.table }),
    query: async function queryAthena(statement: SqlQuery): Promise<Row[]> {
      const started = await client.send(
        new StartQueryExecutionCommand({
          QueryString: statement.sql,
          WorkGroup: options.workGroup,
          QueryExecutionContext: { Database: options.database },
          ExecutionParameters:
            statement.params.length > 0 ? statement.params.map((p) => toExecutionParameter(p)) : undefined,
        }),
      );
      const id = started.QueryExecutionId;
      if (!id) throw new UpstreamUnavailableError("Athena did not return a query execution id.");
      await waitForCompletion(id);
      return readAll(id);
    },
    close: async function closeAthena() {},
  };
}
