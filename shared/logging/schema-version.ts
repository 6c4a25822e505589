/**
 * The request-log record layout version (the `schema_version` column of `log-columns.ts`). Additive changes (a new
 * nullable column, marked `additive`) keep it; renames, removals or changed meanings bump it, and readers must handle
 * every version still inside the retention window. Its own module so the gateway writes records without loading the
 * column table's schemas (zod) at cold start (ADR 0044).
 */
export const LOG_SCHEMA_VERSION = 1;
