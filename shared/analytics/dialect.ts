import { type GlueColumn, LOG_GLUE_COLUMNS } from "../logging/glue-columns";

/**
 * The only differences between Athena (engine v3, Trino) and DuckDB that the query builder needs. Everything else
 * (filters, bucketing by `substr(ts, ...)`, keyset pagination) is written once in portable SQL. Both dialects bind
 * values with `?` positional placeholders; Athena only allows them in WHERE, so the builder keeps them there.
 */
export interface SqlDialect {
  readonly name: "athena" | "duckdb";
  /** FROM target for the log table (operator-controlled, never request data). */
  readonly source: string;
  percentile(expr: string, fraction: number): string;
  /** Value of one metadata key; consumes ONE `?` parameter (the key). */
  metadataValueByParam(): string;
  /** Whether any metadata value equals one `?` parameter. */
  metadataHasValueByParam(): string;
  /**
   * How to group by one metadata key. `param`: the value expression takes the key as a `?` in the SELECT list
   * (DuckDB; fast map lookup). `unnest`: Athena allows `?` only in WHERE, so entries are unnested and the key is
   * matched in WHERE.
   */
  metadataGroup(alias: string): MetadataGroup;
  arrayLength(expr: string): string;
  /** A column as JSON text (maps, arrays of structs) so both engines return the same string. */
  toJson(expr: string): string;
}

export type MetadataGroup =
  | { readonly kind: "param"; readonly value: string }
  | { readonly kind: "unnest"; readonly join: string; readonly key: string; readonly value: string };

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function quoteIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`Invalid SQL identifier in configuration: ${name}`);
  return `"${name}"`;
}

export function athenaDialect(options: { database: string; table: string }): SqlDialect {
  return {
    name: "athena",
    source: `${quoteIdentifier(options.database)}.${quoteIdentifier(options.table)}`,
    percentile: (expr, fraction) => `approx_percentile(${expr}, ${fraction})`,
    metadataValueByParam: () => "element_at(metadata, ?)",
    metadataHasValueByParam: () => "contains(map_values(metadata), ?)",
    metadataGroup: (alias) => ({
      kind: "unnest",
      join: `CROSS JOIN UNNEST(metadata) AS ${alias}(${alias}_key, ${alias}_value)`,
      key: `${alias}_key`,
      value: `${alias}_value`,
    }),
    arrayLength: (expr) => `cardinality(${expr})`,
    toJson: (expr) => `json_format(CAST(${expr} AS JSON))`,
  };
}

/** Hive DDL type (from `LOG_GLUE_COLUMNS`) -> DuckDB type, so `read_json` parses exactly the Glue schema. */
export function hiveToDuckDbType(hive: string): string {
  const t = hive.trim();
  const simple: Record<string, string> = {
    string: "VARCHAR",
    int: "INTEGER",
    bigint: "BIGINT",
    double: "DOUBLE",
    boolean: "BOOLEAN",
  };
  const direct = simple[t];
  if (direct) return direct;
  const array = /^array<(.*)>$/.exec(t);
  if (array?.[1]) return `${hiveToDuckDbType(array[1])}[]`;
  const map = /^map<([^,]+),(.*)>$/.exec(t);
  if (map?.[1] && map[2]) return `MAP(${hiveToDuckDbType(map[1])}, ${hiveToDuckDbType(map[2])})`;
  const struct = /^struct<(.*)>$/.exec(t);
  if (struct?.[1]) {
    const fields = struct[1].split(",").map((field) => {
      const [name, type] = field.split(":");
      if (!name || !type) throw new Error(`Unsupported struct field: ${field}`);
      return `${quoteIdentifier(name)} ${hiveToDuckDbType(type)}`;
    });
    return `STRUCT(${fields.join(", ")})`;
  }
  throw new Error(`Unsupported Hive type: ${hive}`);
}

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export function duckDbColumnSpec(columns: readonly GlueColumn[] = LOG_GLUE_COLUMNS): string {
  return `{${columns.map((c) => `${quoteIdentifier(c.name)}: ${sqlString(hiveToDuckDbType(c.type))}`).join(", ")}}`;
}

/** `read_json` over `<dataDir>/logs/dt=*\/*.ndjson` with the `dt` hive partition and the Glue column types. */
export function duckDbFilesSource(dataDir: string): string {
  const glob = `${dataDir.replace(/\/+$/, "")}/logs/*/*.ndjson`;
  return `read_json(${sqlString(glob)}, format = 'newline_delimited', hive_partitioning = true, ignore_errors = true, columns = ${duckDbColumnSpec()})`;
}

/**
 * `read_parquet` over `<dir>/dt=*\/*.parquet`, the layout Firehose writes in AWS (ADR 0040): the bench and the
 * layout test query it with the same builder. Parquet carries its own types (the Glue ones, by column name).
 */
export function duckDbParquetSource(dir: string): string {
  const glob = `${dir.replace(/\/+$/, "")}/*/*.parquet`;
  return `read_parquet(${sqlString(glob)}, hive_partitioning = true, union_by_name = true)`;
}

/** DuckDB over a source expression: the files directly, or a table the engine materialised from them. */
export function duckDbDialect(source: string): SqlDialect {
  return {
    name: "duckdb",
    source,
    percentile: (expr, fraction) => `quantile_cont(${expr}, ${fraction})`,
    metadataValueByParam: () => "metadata[?]",
    metadataHasValueByParam: () => "list_contains(map_values(metadata), ?)",
    metadataGroup: () => ({ kind: "param", value: "metadata[?]" }),
    arrayLength: (expr) => `len(${expr})`,
    toJson: (expr) => `CAST(to_json(${expr}) AS VARCHAR)`,
  };
}
