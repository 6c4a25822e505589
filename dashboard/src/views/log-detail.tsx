import type { Api, LogDetail } from "../api";
import { formatCost, formatCount, formatDuration, formatTime, statusLabel } from "../lib/format";
import { segment } from "../lib/query";
import { ErrorNote, useLoad } from "../ui";

function Row({ name, value }: { name: string; value: string | number | null | undefined }) {
  return (
    <>
      <dt>{name}</dt>
      <dd>{value === null || value === undefined || value === "" ? "–" : value}</dd>
    </>
  );
}

function Body({ name, text }: { name: string; text: string | null }) {
  if (!text) return null;
  let shown = text;
  try {
    shown = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // not JSON (SSE, truncated): shown as logged
  }
  return (
    <details>
      <summary>{name}</summary>
      <pre>{shown}</pre>
    </details>
  );
}

/** One request as logged: what was asked and served, every attempt, cache, guardrails, usage, bodies, feedback. */
export function LogDetailView({ api, id, onClose }: { api: Api; id: string; onClose: () => void }) {
  const loaded = useLoad(() => api.get<LogDetail>(`/v1/logs/${segment(id)}`), [id]);
  const log = loaded.data;
  return (
    <section class="detail" aria-label="Request detail">
      <header>
        <h3>Request detail</h3>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </header>
      <ErrorNote error={loaded.error} />
      {log && (
        <>
          <dl>
            <Row name="Trace id" value={log.trace_id} />
            <Row name="Log id" value={log.id} />
            <Row name="Time (UTC)" value={formatTime(log.ts)} />
            <Row name="Status" value={statusLabel(log.status)} />
            <Row name="Error" value={[log.error_type, log.error_message].filter(Boolean).join(": ")} />
            <Row name="Model requested" value={log.model_requested} />
            <Row name="Model served" value={log.model_served} />
            <Row name="Provider" value={log.provider} />
            <Row name="Virtual key" value={log.virtual_key} />
            <Row name="Config" value={log.config_id} />
            <Row name="Strategy" value={log.strategy} />
            <Row name="Retries" value={log.retry_count} />
            <Row name="Cache" value={log.cache_status} />
            <Row
              name="Tokens"
              value={`${formatCount(log.total_tokens)} (${formatCount(log.prompt_tokens)} in, ${formatCount(log.completion_tokens)} out)`}
            />
            <Row name="Cost" value={formatCost(log.cost_usd)} />
            <Row name="Time to first token" value={formatDuration(log.ttft_ms)} />
            <Row name="Latency" value={formatDuration(log.latency_ms)} />
            <Row
              name="Metadata"
              value={Object.entries(log.metadata ?? {})
                .map(([k, v]) => `${k}=${v}`)
                .join(", ")}
            />
          </dl>
          <table aria-label="Attempts">
            <caption>Attempts</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Target</th>
                <th scope="col">Provider</th>
                <th scope="col">Model</th>
                <th scope="col">Status</th>
                <th scope="col">Latency</th>
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              {(log.attempts ?? []).map((a, i) => (
                <tr key={i}>
                  <td>{i === 0 ? "1" : `${i + 1} (retry/fallback)`}</td>
                  <td>{a.target ?? "–"}</td>
                  <td>{a.provider ?? "–"}</td>
                  <td>{a.model ?? "–"}</td>
                  <td>{statusLabel(a.status)}</td>
                  <td>{formatDuration(a.latency_ms)}</td>
                  <td>{a.error ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {(log.guardrails ?? []).length > 0 && (
            <table aria-label="Guardrail verdicts">
              <caption>Guardrail verdicts</caption>
              <thead>
                <tr>
                  <th scope="col">Check</th>
                  <th scope="col">Phase</th>
                  <th scope="col">Verdict</th>
                  <th scope="col">Action</th>
                  <th scope="col">Latency</th>
                </tr>
              </thead>
              <tbody>
                {log.guardrails.map((g) => (
                  <tr key={`${g.phase}-${g.id}`}>
                    <td>{g.id}</td>
                    <td>{g.phase}</td>
                    <td>{g.verdict ? "passed" : "failed"}</td>
                    <td>{g.action}</td>
                    <td>{formatDuration(g.latency_ms)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <section aria-label="Feedback">
            <h4>Feedback</h4>
            {(log.feedback ?? []).length === 0 ? (
              <p>None.</p>
            ) : (
              <ul>
                {log.feedback.map((f) => (
                  <li key={f.id}>
                    value {f.feedback_value} × weight {f.feedback_weight} ({formatTime(f.ts)})
                  </li>
                ))}
              </ul>
            )}
          </section>
          <Body name="Request body" text={log.request_body} />
          <Body name="Response body" text={log.response_body} />
        </>
      )}
    </section>
  );
}
