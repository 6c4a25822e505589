import { useState } from "preact/hooks";
import type { Graph, GroupRow, ListResponse } from "../api";
import { TimeChart } from "../chart";
import { formatCost, formatCount, formatDuration, formatPercent } from "../lib/format";
import { filterParams, isRangeName, type RangeName, segment, timeRange, type ViewFilters } from "../lib/query";
import type { ViewProps } from "../main";
import { ErrorNote, Field, useLoad } from "../ui";

const GRAPH_NAMES = ["requests", "cost", "tokens", "errors", "cache-hit-rate", "latency"] as const;
type GraphName = (typeof GRAPH_NAMES)[number];

/** The breakdowns: API group path, the table's name and the column its rows are keyed by. */
const BREAKDOWNS = [
  { path: "ai-models", name: "Cost by model", key: "model" },
  { path: "provider", name: "Cost by provider", key: "provider" },
  { path: "virtual_key", name: "Cost by virtual key", key: "virtual_key" },
  { path: "api_key", name: "Cost by API key", key: "api_key" },
] as const;

function Figure({ name, value }: { name: string; value: string }) {
  return (
    <section class="figure" aria-label={name}>
      <h3>{name}</h3>
      <p class="big">{value}</p>
    </section>
  );
}

function Breakdown({ name, keyName, rows }: { name: string; keyName: string; rows: readonly GroupRow[] }) {
  return (
    <table aria-label={name}>
      <caption>{name}</caption>
      <thead>
        <tr>
          <th scope="col">{keyName.replace("_", " ")}</th>
          <th scope="col">Requests</th>
          <th scope="col">Cost</th>
          <th scope="col">Tokens</th>
          <th scope="col">Errors</th>
          <th scope="col">Avg latency</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={String(r[keyName])}>
            <th scope="row">{String(r[keyName] ?? "(none)")}</th>
            <td>{formatCount(r.requests)}</td>
            <td>{formatCost(r.cost)}</td>
            <td>{formatCount(r.total_tokens)}</td>
            <td>{formatCount(r.error_count)}</td>
            <td>{formatDuration(r.avg_latency)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function AnalyticsView({ api }: ViewProps) {
  const [range, setRange] = useState<RangeName>("24h");
  const [filters, setFilters] = useState<ViewFilters>({});
  const [draft, setDraft] = useState<ViewFilters>({});
  const [metadataKey, setMetadataKey] = useState("");
  const [breakdownKey, setBreakdownKey] = useState("");
  const loaded = useLoad(async () => {
    const params = filterParams(timeRange(range, Date.now()), filters);
    const graphs = await Promise.all(GRAPH_NAMES.map((g) => api.get<Graph>(`/v1/analytics/graphs/${g}?${params}`)));
    const groups = await Promise.all(
      BREAKDOWNS.map((b) => api.get<ListResponse<GroupRow>>(`/v1/analytics/groups/${b.path}?${params}`)),
    );
    const byMetadata = breakdownKey
      ? await api.get<ListResponse<GroupRow>>(`/v1/analytics/groups/metadata/${segment(breakdownKey)}?${params}`)
      : undefined;
    return {
      graphs: Object.fromEntries(GRAPH_NAMES.map((g, i) => [g, graphs[i] as Graph])) as Record<GraphName, Graph>,
      groups: groups.map((g) => g.data),
      byMetadata: byMetadata?.data,
    };
  }, [range, filters, breakdownKey]);
  const g = loaded.data?.graphs;
  const s = (name: GraphName, field: string) => g?.[name].summary[field] ?? null;
  return (
    <div>
      <h2>Analytics</h2>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters({ ...draft });
          setBreakdownKey(metadataKey.trim());
        }}
      >
        <Field label="Time range">
          <select value={range} onChange={(e) => isRangeName(e.currentTarget.value) && setRange(e.currentTarget.value)}>
            <option value="1h">Last hour</option>
            <option value="24h">Last 24 hours</option>
            <option value="7d">Last 7 days</option>
            <option value="30d">Last 30 days</option>
          </select>
        </Field>
        <Field label="Model">
          <input value={draft.model ?? ""} onInput={(e) => setDraft({ ...draft, model: e.currentTarget.value })} />
        </Field>
        <Field label="Provider">
          <input
            value={draft.provider ?? ""}
            onInput={(e) => setDraft({ ...draft, provider: e.currentTarget.value })}
          />
        </Field>
        <Field label="Break down by metadata key">
          <input value={metadataKey} onInput={(e) => setMetadataKey(e.currentTarget.value)} />
        </Field>
        <button type="submit">Apply</button>
      </form>
      <ErrorNote error={loaded.error} />
      <div class="figures" aria-busy={loaded.loading}>
        <Figure name="Requests" value={formatCount(s("requests", "total"))} />
        <Figure name="Cost" value={formatCost(s("cost", "total"))} />
        <Figure name="Tokens" value={formatCount(s("tokens", "total"))} />
        <Figure name="Errors" value={formatCount(s("errors", "total"))} />
        <Figure name="Cache hit rate" value={formatPercent(s("cache-hit-rate", "total"))} />
        <Figure name="Latency p50" value={formatDuration(s("latency", "p50"))} />
        <Figure name="Latency p90" value={formatDuration(s("latency", "p90"))} />
        <Figure name="Latency p99" value={formatDuration(s("latency", "p99"))} />
      </div>
      {g && (
        <div class="charts">
          <TimeChart label="Requests" points={g.requests.data_points} field="total" />
          <TimeChart label="Cost (USD)" points={g.cost.data_points} field="total" />
          <TimeChart label="Errors" points={g.errors.data_points} field="total" />
          <TimeChart label="Latency p50 (ms)" points={g.latency.data_points} field="p50" />
        </div>
      )}
      {loaded.data && (
        <div class="breakdowns">
          {BREAKDOWNS.map((b, i) => (
            <Breakdown key={b.path} name={b.name} keyName={b.key} rows={loaded.data?.groups[i] ?? []} />
          ))}
          {breakdownKey && loaded.data.byMetadata && (
            <Breakdown name={`Cost by metadata ${breakdownKey}`} keyName={breakdownKey} rows={loaded.data.byMetadata} />
          )}
        </div>
      )}
    </div>
  );
}
