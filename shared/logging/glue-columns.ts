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

/** Partition column (projected, `logs/dt=YYYY-MM-DD/`, Firehose arrival date in UTC). */
export const LOG_PARTITION_COLUMN: GlueColumn = { name: "dt", type: "string" };

/** S3 key prefix of the table (Firehose `Prefix` is `logs/dt=!{timestamp:yyyy-MM-dd}/`). */
export const LOG_S3_PREFIX = "logs/";
