import type { z } from "zod";
import { BadRequestError, NotFoundError } from "../core/errors";
import { intParam, textParam } from "../http/query-params";
import { type CoreResponse, jsonResponse } from "../http/types";
import { timeOfUuidV7 } from "../logging/ids";
import { analyticsFilterQuery, toAnalyticsFilters } from "./filters";
import { feedbackForTraceQuery, type LogCursor, logDetailQuery, logSearchQuery } from "./log-queries";
import { type Cell, type QueryEngine, type Row, str } from "./query-engine";
import type { QueryScope } from "./where";

/** `GET /v1/logs` (search, keyset cursor) and `GET /v1/logs/{id}` (detail with the trace's feedback). */
export const DEFAULT_LOG_PAGE = 50;
export const DEFAULT_LOG_WINDOW_DAYS = 7;

export function encodeCursor(cursor: LogCursor): string {
  return Buffer.from(JSON.stringify([cursor.ts, cursor.id])).toString("base64url");
}

export function decodeCursor(raw: string): LogCursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === "string" &&
      typeof parsed[1] === "string"
    ) {
      if (Number.isNaN(Date.parse(parsed[0])) || parsed[1].length > 256) throw new Error("bad cursor");
      return { ts: parsed[0], id: parsed[1] };
    }
  } catch {
    // fall through
  }
  throw new BadRequestError("after is not a valid cursor.", { param: "after" });
}

function parseJsonCell(value: Cell | undefined): unknown {
  const text = str(value);
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** A result row as API JSON: `*_json` columns parsed and renamed. */
export function toLogEntry(row: Row): Record<string, unknown> {
  const out: Record<string, unknown> = { object: "log" };
  for (const [key, value] of Object.entries(row)) {
    if (key.endsWith("_json")) out[key.slice(0, -5)] = parseJsonCell(value) ?? (key === "metadata_json" ? {} : []);
    else out[key] = value;
  }
  return out;
}

/** Log search: the analytics filters (range defaults to the last 7 days), `limit` (alias `page_size`), `after`. */
export const logSearchParams = analyticsFilterQuery.extend({
  limit: intParam("limit", 1, 500),
  page_size: intParam("page_size", 1, 500),
  after: textParam(1024),
});

export type LogSearchParams = z.output<typeof logSearchParams>;

export async function searchLogs(
  engine: QueryEngine,
  scope: QueryScope,
  query: LogSearchParams,
  now: number,
): Promise<CoreResponse> {
  const filters = toAnalyticsFilters(query, { defaultDays: DEFAULT_LOG_WINDOW_DAYS, now });
  const limit = query.limit ?? query.page_size ?? DEFAULT_LOG_PAGE;
  const after = query.after;
  const cursor = after ? decodeCursor(after) : undefined;
  const rows = await engine.query(logSearchQuery(engine.dialect, scope, filters, limit, cursor));
  const hasMore = rows.length > limit;
  const page = rows.slice(0, limit);
  // Firehose delivery is at-least-once: drop a repeated (ts, id) inside a page.
  const seen = new Set<string>();
  const data = page.filter((row) => {
    const id = str(row.id) ?? "";
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  const last = page[page.length - 1];
  const nextCursor = hasMore && last ? encodeCursor({ ts: str(last.ts) ?? "", id: str(last.id) ?? "" }) : null;
  return jsonResponse(200, {
    object: "list",
    data: data.map(toLogEntry),
    has_more: hasMore,
    next_cursor: nextCursor,
  });
}

export async function logDetail(engine: QueryEngine, scope: QueryScope, id: string): Promise<CoreResponse> {
  if (id.length === 0 || id.length > 256) throw new NotFoundError("Log not found.");
  const around = timeOfUuidV7(id) ?? undefined;
  const rows = await engine.query(logDetailQuery(engine.dialect, scope, id, around));
  const row = rows[0];
  if (!row) throw new NotFoundError(`Log ${id} not found.`);
  const entry = toLogEntry(row);
  const traceId = str(row.trace_id);
  const feedback = traceId
    ? await engine.query(
        // the row's own workspace: trace ids are the client's and may repeat across workspaces (root sees all)
        feedbackForTraceQuery(
          engine.dialect,
          { workspaceId: str(row.workspace_id) ?? scope.workspaceId },
          traceId,
          str(row.ts) ?? undefined,
        ),
      )
    : [];
  entry.feedback = feedback.map(toLogEntry).map(({ object: _object, ...rest }) => ({ object: "feedback", ...rest }));
  return jsonResponse(200, entry);
}
