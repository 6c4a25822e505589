import { useState } from "preact/hooks";
import type { ListResponse, LogRow } from "../api";
import { formatCost, formatCount, formatDuration, formatTime, statusLabel } from "../lib/format";
import {
  filtersFromHash,
  filtersToHash,
  isRangeName,
  logSearchPath,
  type RangeName,
  timeRange,
  type ViewFilters,
} from "../lib/query";
import type { ViewProps } from "../main";
import { ErrorNote, Field, useLoad } from "../ui";
import { LogDetailView } from "./log-detail";

const PAGE_SIZE = 25;

const FILTER_FIELDS = [
  ["status", "Status"],
  ["model", "Model"],
  ["provider", "Provider"],
  ["virtualKey", "Virtual key"],
  ["config", "Config"],
  ["traceId", "Trace id"],
  ["metadataKey", "Metadata key"],
  ["metadataValue", "Metadata value"],
] as const satisfies ReadonlyArray<readonly [keyof ViewFilters, string]>;

export function LogsView({ api, query }: ViewProps) {
  const filters = filtersFromHash(query);
  const [draft, setDraft] = useState<ViewFilters>(filters);
  const [range, setRange] = useState<RangeName>("7d");
  /** Cursors of the pages before the current one (the first page has none). */
  const [cursors, setCursors] = useState<string[]>([]);
  const [selected, setSelected] = useState<string>();
  const after = cursors[cursors.length - 1];
  const page = useLoad(
    () => api.get<ListResponse<LogRow>>(logSearchPath(timeRange(range, Date.now()), filters, PAGE_SIZE, after)),
    [query, range, after],
  );
  const apply = (next: ViewFilters) => {
    setCursors([]);
    location.hash = `#/logs${filtersToHash(next)}`;
  };
  return (
    <div class="logs">
      <h2>Logs</h2>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          apply(draft);
        }}
      >
        <input
          type="search"
          aria-label="Search logs"
          placeholder="Trace id, model or metadata value"
          value={draft.search ?? ""}
          onInput={(e) => setDraft({ ...draft, search: e.currentTarget.value })}
        />
        <Field label="Time range">
          <select value={range} onChange={(e) => isRangeName(e.currentTarget.value) && setRange(e.currentTarget.value)}>
            <option value="1h">Last hour</option>
            <option value="24h">Last 24 hours</option>
            <option value="7d">Last 7 days</option>
            <option value="30d">Last 30 days</option>
          </select>
        </Field>
        {FILTER_FIELDS.map(([name, label]) => (
          <Field key={name} label={label}>
            <input value={draft[name] ?? ""} onInput={(e) => setDraft({ ...draft, [name]: e.currentTarget.value })} />
          </Field>
        ))}
        <button type="submit">Search</button>
        <button
          type="button"
          onClick={() => {
            setDraft({});
            apply({});
          }}
        >
          Clear
        </button>
      </form>
      <ErrorNote error={page.error} />
      <table aria-label="Requests" aria-busy={page.loading}>
        <thead>
          <tr>
            <th scope="col">Time (UTC)</th>
            <th scope="col">Model</th>
            <th scope="col">Status</th>
            <th scope="col">Tokens</th>
            <th scope="col">Cost</th>
            <th scope="col">Latency</th>
            <th scope="col">Trace id</th>
          </tr>
        </thead>
        <tbody>
          {page.data?.data.map((row) => (
            <tr
              key={row.id}
              class={row.id === selected ? "selected" : row.status >= 400 ? "failed" : undefined}
              onClick={() => setSelected(row.id)}
            >
              <td>
                <button type="button" class="link" onClick={() => setSelected(row.id)}>
                  {formatTime(row.ts)}
                </button>
              </td>
              <td>{row.model_served ?? row.model_requested ?? "–"}</td>
              <td>{statusLabel(row.status)}</td>
              <td>{formatCount(row.total_tokens)}</td>
              <td>{formatCost(row.cost_usd)}</td>
              <td>{formatDuration(row.latency_ms)}</td>
              <td class="mono">{row.trace_id ?? "–"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {page.data && page.data.data.length === 0 && <p>No requests match.</p>}
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous page
        </button>
        <button
          type="button"
          disabled={!page.data?.has_more || !page.data.next_cursor}
          onClick={() => page.data?.next_cursor && setCursors([...cursors, page.data.next_cursor])}
        >
          Next page
        </button>
      </nav>
      {selected && <LogDetailView api={api} id={selected} onClose={() => setSelected(undefined)} />}
    </div>
  );
}
