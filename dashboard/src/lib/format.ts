/**
 * How the dashboard writes numbers, money, durations and times. Pure functions (no DOM), unit-tested; every
 * figure goes through one of these so the same value reads the same in every view.
 */
const INTEGER = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** `1234` -> `1,234`; null/undefined -> an en dash (no data, not zero). */
export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  return INTEGER.format(value);
}

/**
 * USD with enough digits for small per-request costs: `$0.000123`, `$1.23`, `$1,234.50`. Null (unpriced) -> dash.
 */
export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return "–";
  if (usd === 0) return "$0.00";
  const abs = Math.abs(usd);
  const digits = abs >= 1 ? 2 : Math.min(8, Math.max(2, 1 - Math.floor(Math.log10(abs)) + 2));
  return `${usd < 0 ? "-" : ""}$${abs.toLocaleString("en-US", {
    minimumFractionDigits: Math.min(2, digits),
    maximumFractionDigits: digits,
  })}`;
}

/** Milliseconds: `85 ms`, `1.24 s`, `2 min 5 s`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms - minutes * 60_000) / 1000)} s`;
}

/** A percentage the API gives as 0-100: `12.5%`; null (no requests) -> dash. */
export function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  return `${Number(value.toFixed(1))}%`;
}

/** An ISO timestamp as `YYYY-MM-DD HH:MM:SS` UTC (logs are stored in UTC; the label says so). */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "–";
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

/** A status code with its class, for the logs table: `200`, `503 error`. */
export function statusLabel(status: number | null | undefined): string {
  if (status === null || status === undefined) return "–";
  return status >= 400 ? `${status} error` : String(status);
}
