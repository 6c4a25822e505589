import { readFile, writeFile } from "node:fs/promises";
import { withLogColumnsTable } from "../shared/logging/log-columns-doc";

/** Rewrites the field table of docs/observability.md from the column table (`shared/logging/log-columns.ts`). */
const page = "docs/observability.md";
await writeFile(page, withLogColumnsTable(await readFile(page, "utf8")));
