import type { Json } from "./client";

/** One column of a table: its header and how to read the cell from a row. */
export interface Column {
  readonly header: string;
  readonly cell: (row: Json) => unknown;
}

/** `field` of a row as a column, headed by the field name in capitals. */
export const col = (field: string, header = field.toUpperCase()): Column => ({ header, cell: (row) => row[field] });

const MAX_CELL = 60;

/** Text from the server without control characters (an escape sequence in a stored name cannot drive the terminal). */
export function stripControls(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are what it removes
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, "");
}

/** A cell as one line of text: objects as compact JSON, long text cut with an ellipsis, control characters dropped. */
export function cellText(value: unknown): string {
  if (value === undefined || value === null) return "-";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a cell must not move the cursor or break the line
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ");
  return line.length > MAX_CELL ? `${line.slice(0, MAX_CELL - 1)}…` : line;
}

/** A plain text table: a header row and one line per row, columns padded to their widest cell. */
export function renderTable(rows: readonly Json[], columns: readonly Column[]): string {
  if (rows.length === 0) return "(none)\n";
  const cells = rows.map((row) => columns.map((c) => cellText(c.cell(row))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]?.length ?? 0)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return `${[line(columns.map((c) => c.header)), ...cells.map(line)].join("\n")}\n`;
}

/** An object as `field  value` lines (nested values as compact JSON). */
export function renderRecord(record: Json, skip: readonly string[] = ["object"]): string {
  const entries = Object.entries(record).filter(([k]) => !skip.includes(k));
  const width = Math.max(0, ...entries.map(([k]) => k.length));
  return `${entries.map(([k, v]) => `${k.padEnd(width)}  ${cellText(v)}`).join("\n")}\n`;
}

export const renderJson = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
