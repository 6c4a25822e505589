import type { SqlDialect } from "./dialect";
import type { SqlQuery } from "./where";

/** A result cell after engine-specific conversion: numbers are JS numbers, JSON columns stay strings. */
export type Cell = string | number | boolean | null;
export type Row = Readonly<Record<string, Cell>>;

/** Port: runs a builder statement with bound parameters. Adapters: DuckDB (local), Athena (AWS). */
export interface QueryEngine {
  readonly dialect: SqlDialect;
  query(statement: SqlQuery): Promise<Row[]>;
  close(): Promise<void>;
}

/** Reads a numeric cell (engines return numbers, numeric strings or null). */
export function num(value: Cell | undefined): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : null;
}

export function str(value: Cell | undefined): string | null {
  if (value === null || value === undefined) return null;
  return String(value);
}
