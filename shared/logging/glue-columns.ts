import { LOG_COLUMNS } from "./log-columns";

/**
 * The columns of the request-log table as Glue/Athena see them (the JSON SerDe maps record fields by name),
 * derived from the column table (`log-columns.ts`). `infra/` builds the Glue table from this; the DuckDB dialect
 * derives its `read_json` column spec from it too, so both engines read the same typed columns. Types are Hive
 * DDL types; the comment is the column's one-line description.
 */
export interface GlueColumn {
  readonly name: string;
  readonly type: string;
  readonly comment?: string;
}

export const LOG_GLUE_COLUMNS: readonly GlueColumn[] = LOG_COLUMNS.map((c) => ({
  name: c.name,
  type: c.glue,
  comment: c.description,
}));

/** Partition column (projected, `request-logs/dt=YYYY-MM-DD/`, Firehose arrival date in UTC). */
export const LOG_PARTITION_COLUMN: GlueColumn = { name: "dt", type: "string" };

/**
 * S3 key prefix of the request-log table: Parquet (Snappy) files that Firehose converts from the JSON records with
 * this table's schema, under `dt=YYYY-MM-DD/` (ADR 0040).
 */
export const LOG_S3_PREFIX = "request-logs/";

/** Where GZIP JSON lines went before ADR 0040; a read-only legacy table keeps them queryable until they expire. */
export const LEGACY_JSON_LOG_S3_PREFIX = "logs/";

/**
 * Columns only the log-detail query reads (one row, by id): the bodies, up to 32 KiB each, most of a record's
 * bytes. Parquet is columnar, so the aggregate and search queries, which never name them, never read them.
 */
export const DETAIL_ONLY_COLUMNS: readonly string[] = LOG_COLUMNS.filter((c) => c.detailOnly === true).map(
  (c) => c.name,
);
