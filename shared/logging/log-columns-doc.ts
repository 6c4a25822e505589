import { LOG_PARTITION_COLUMN } from "./glue-columns";
import { LOG_COLUMNS, type LogColumn, type RecordKind } from "./log-columns";

/**
 * The field table of docs/observability.md, rendered from the column table (`log-columns.ts`). A unit test checks
 * that the page holds exactly this table between the markers; `npx tsx scripts/log-columns-doc.ts` rewrites it.
 */
export const DOC_TABLE_START = "<!-- log-columns:start (generated from shared/logging/log-columns.ts) -->";
export const DOC_TABLE_END = "<!-- log-columns:end -->";

const HEADER = ["field", "Glue type", "null", "rows", "filled from", "meaning"] as const;

function rowsLabel(rows: readonly RecordKind[]): string {
  return rows.length === 2 ? "all" : rows.join(", ");
}

function cells(c: LogColumn): string[] {
  const nullable = c.nullable ? (c.additive ? "yes (added)" : "yes") : "no";
  return [c.name, `\`${c.glue}\``, nullable, rowsLabel(c.rows), c.filled, c.description];
}

/** Markdown table, columns padded like the other tables of the docs. `|` inside cells is escaped. */
export function logColumnsMarkdown(): string {
  const body: string[][] = [
    ...LOG_COLUMNS.map((c) => cells(c)),
    [
      LOG_PARTITION_COLUMN.name,
      `\`${LOG_PARTITION_COLUMN.type}\` (partition)`,
      "no",
      "all",
      "Firehose",
      "S3 prefix day = Firehose arrival day (UTC)",
    ],
  ].map((row) => row.map((cell) => cell.replaceAll("|", "\\|")));
  const table = [[...HEADER], ...body];
  const widths = HEADER.map((_, i) => Math.max(...table.map((row) => (row[i] ?? "").length)));
  const line = (row: readonly string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  const rule = `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`;
  return [line(HEADER), rule, ...body.map(line)].join("\n");
}

/** `page` with the text between the markers replaced by the rendered table; throws when a marker is missing. */
export function withLogColumnsTable(page: string): string {
  const start = page.indexOf(DOC_TABLE_START);
  const end = page.indexOf(DOC_TABLE_END);
  if (start < 0 || end < start) throw new Error("docs/observability.md lacks the log-columns markers");
  return `${page.slice(0, start + DOC_TABLE_START.length)}\n${logColumnsMarkdown()}\n${page.slice(end)}`;
}
