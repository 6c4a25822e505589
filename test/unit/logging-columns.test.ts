import { readFile } from "node:fs/promises";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import { LOG_GLUE_COLUMNS } from "../../shared/logging/glue-columns";
import { LOG_COLUMNS, type LogColumnSpec, type RecordKind } from "../../shared/logging/log-columns";
import { DOC_TABLE_END, DOC_TABLE_START, logColumnsMarkdown } from "../../shared/logging/log-columns-doc";
import type { FeedbackRecord, RequestLogRecord } from "../../shared/logging/record";
import { toRecord } from "../../shared/logging/record-builder";
import { feedbackRecordSchema, logRowSchema, requestLogRecordSchema } from "../../shared/logging/record-schema";
import { requestSummary } from "../support/request-summary";

/** Names of the table's columns that rows of kind K carry, at the type level (distributes over the columns). */
type NameIf<C, K> = C extends { readonly name: infer N; readonly rows: readonly (infer R)[] }
  ? K extends R
    ? N
    : never
  : never;
type ColumnsOf<K extends RecordKind> = NameIf<LogColumnSpec, K>;

const namesFor = (kind: RecordKind) =>
  LOG_COLUMNS.filter((c) => (c.rows as readonly RecordKind[]).includes(kind)).map((c) => c.name);

/** The Hive type a zod schema stands for; integers may be `int` or `bigint`, so both read as `int` here. */
function hiveOf(schema: z.ZodType): string {
  const def = schema.def as { type: string } & Record<string, unknown>;
  switch (def.type) {
    case "nullable":
    case "default":
      return hiveOf(def.innerType as z.ZodType);
    case "string":
    case "enum":
      return "string";
    case "literal":
      return (def.values as unknown[]).every((v) => Number.isInteger(v)) ? "int" : "string";
    case "boolean":
      return "boolean";
    case "number":
      return (schema as z.ZodNumber).format === "safeint" ? "int" : "double";
    case "record":
      return `map<${hiveOf(def.keyType as z.ZodType)},${hiveOf(def.valueType as z.ZodType)}>`;
    case "array":
      return `array<${hiveOf(def.element as z.ZodType)}>`;
    case "object": {
      const shape = (schema as z.ZodObject).shape;
      return `struct<${Object.entries(shape)
        .map(([name, field]) => `${name}:${hiveOf(field)}`)
        .join(",")}>`;
    }
    default:
      throw new Error(`no Hive type for zod ${def.type}`);
  }
}

describe("the log column table and its derived views", () => {
  it("lists every column once, in the same order in Glue, the schemas and the records toRecord builds", () => {
    // Prepare
    const names = LOG_COLUMNS.map((c) => c.name);
    const built = toRecord(requestSummary({ startedAt: 0, method: "GET", endpoint: "models" }), { id: "row" });
    // Assess
    expect(new Set(names).size).toBe(names.length);
    expect(LOG_GLUE_COLUMNS.map((c) => c.name)).toEqual(names);
    expect(Object.keys(requestLogRecordSchema.shape)).toEqual(namesFor("request"));
    expect(Object.keys(feedbackRecordSchema.shape)).toEqual(namesFor("feedback"));
    expect(Object.keys(built)).toEqual(namesFor("request"));
    expect(logRowSchema.parse(built)).toEqual(built);
  });

  it("derives record types with exactly the columns of each row kind", () => {
    expectTypeOf<keyof RequestLogRecord>().toEqualTypeOf<ColumnsOf<"request">>();
    expectTypeOf<keyof FeedbackRecord>().toEqualTypeOf<ColumnsOf<"feedback">>();
    expectTypeOf<RequestLogRecord["budget_outcome"]>().toEqualTypeOf<"settled" | "released" | "failed" | null>();
    expectTypeOf<RequestLogRecord["method"]>().toEqualTypeOf<string>();
    expectTypeOf<FeedbackRecord["kind"]>().toEqualTypeOf<"feedback">();
  });

  it("gives every column a Glue type that matches its schema, struct fields included", () => {
    for (const c of LOG_COLUMNS) {
      expect({ column: c.name, hive: c.glue.replaceAll("bigint", "int") }).toEqual({
        column: c.name,
        hive: hiveOf(c.value),
      });
    }
  });

  it("keeps Glue comments within Glue's 255 characters", () => {
    for (const c of LOG_GLUE_COLUMNS) expect(c.comment?.length ?? 0).toBeLessThanOrEqual(255);
  });

  it("marks additive columns nullable, and reads rows written before them with null", () => {
    const additive = LOG_COLUMNS.filter((c) => "additive" in c && c.additive === true);
    expect(additive.length).toBeGreaterThan(0);
    for (const c of additive)
      expect({ column: c.name, nullable: c.nullable }).toEqual({ column: c.name, nullable: true });
    const built = toRecord(requestSummary({ startedAt: 0 }), { id: "row" });
    const older: Record<string, unknown> = { ...built };
    for (const c of additive) delete older[c.name];
    expect(requestLogRecordSchema.parse(older)).toEqual(built);
  });

  it("is the field table of docs/observability.md", async () => {
    const page = await readFile("docs/observability.md", "utf8");
    const start = page.indexOf(DOC_TABLE_START);
    const end = page.indexOf(DOC_TABLE_END);
    expect(start, "markers missing; run npx tsx scripts/log-columns-doc.ts").toBeGreaterThanOrEqual(0);
    expect(page.slice(start + DOC_TABLE_START.length, end).trim(), "run npx tsx scripts/log-columns-doc.ts").toBe(
      logColumnsMarkdown(),
    );
  });
});
