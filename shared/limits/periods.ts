import type { UsageLimit } from "./limit-types";

/**
 * Budget periods are calendar periods in UTC: a day starts at 00:00, a week on Monday 00:00, a month on the 1st.
 * Each period has its own counter item (its start is part of the key), so a reset is simply a new item: no cron,
 * no read-modify-write at the boundary. `none` is one everlasting period starting at the epoch.
 */
export interface BudgetPeriod {
  /** Stable id used in keys, e.g. `2026-11-01` (monthly/weekly/daily) or `all` (none). */
  readonly id: string;
  readonly startMs: number;
  /** Exclusive end; undefined for `none`. */
  readonly endMs: number | undefined;
}

const DAY_MS = 86_400_000;

export function periodOf(reset: UsageLimit["periodic_reset"], nowMs: number): BudgetPeriod {
  const now = new Date(nowMs);
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const d = now.getUTCDate();
  switch (reset) {
    case "none":
      return { id: "all", startMs: 0, endMs: undefined };
    case "daily": {
      const start = Date.UTC(y, m, d);
      return { id: isoDay(start), startMs: start, endMs: start + DAY_MS };
    }
    case "weekly": {
      const sinceMonday = (now.getUTCDay() + 6) % 7;
      const start = Date.UTC(y, m, d - sinceMonday);
      return { id: isoDay(start), startMs: start, endMs: start + 7 * DAY_MS };
    }
    case "monthly": {
      const start = Date.UTC(y, m, 1);
      return { id: isoDay(start), startMs: start, endMs: Date.UTC(y, m + 1, 1) };
    }
  }
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
