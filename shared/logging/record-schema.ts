import * as z from "zod";
import { rowShape } from "./log-columns";

/**
 * Zod schemas of the log rows, derived from the column table (`log-columns.ts`); the record types in `record.ts`
 * are their outputs. For reading records back (tests, integrations): the hot path never runs these, `toRecord`
 * produces well-typed records by construction. Additive columns may be missing from older rows (read as null).
 */
export const requestLogRecordSchema = z.strictObject(rowShape("request"));

export const feedbackRecordSchema = z.strictObject(rowShape("feedback"));

export const logRowSchema = z.discriminatedUnion("kind", [requestLogRecordSchema, feedbackRecordSchema]);
