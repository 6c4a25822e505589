import { BadRequestError } from "../core/errors";
import type { AnalyticsFilters } from "./filters";
import type { Granularity } from "./query-builder";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
export const MAX_BUCKETS = 2000;

/** Automatic bucket size (Portkey picks it for you too): hours up to 2 days, days up to 90, then months. */
export function chooseGranularity(filters: AnalyticsFilters, requested: string | null): Granularity {
  const span = Date.parse(filters.to) - Date.parse(filters.from);
  if (requested !== null && requested !== "") {
    if (requested !== "minute" && requested !== "hour" && requested !== "day" && requested !== "month") {
      throw new BadRequestError("granularity must be minute, hour, day or month.", { param: "granularity" });
    }
    const width = { minute: 60_000, hour: HOUR_MS, day: DAY_MS, month: 28 * DAY_MS }[requested];
    if (span / width > MAX_BUCKETS) {
      throw new BadRequestError(`granularity ${requested} would yield more than ${MAX_BUCKETS} buckets.`, {
        param: "granularity",
      });
    }
    return requested;
  }
  if (span <= 2 * DAY_MS) return "hour";
  if (span <= 90 * DAY_MS) return "day";
  return "month";
}

/** ISO timestamp of a bucket key (`2026-10-01T13` -> `2026-10-01T13:00:00.000Z`). */
export function bucketStart(key: string): string {
  switch (key.length) {
    case 16:
      return `${key}:00.000Z`;
    case 13:
      return `${key}:00:00.000Z`;
    case 10:
      return `${key}T00:00:00.000Z`;
    case 7:
      return `${key}-01T00:00:00.000Z`;
    default:
      return key;
  }
}

function keyOf(ms: number, granularity: Granularity): string {
  const iso = new Date(ms).toISOString();
  return iso.slice(0, { minute: 16, hour: 13, day: 10, month: 7 }[granularity]);
}

/** Every bucket key from `from` to `to` inclusive, so charts get zero points instead of gaps. */
export function bucketKeys(filters: AnalyticsFilters, granularity: Granularity): string[] {
  const keys: string[] = [];
  const end = keyOf(Date.parse(filters.to), granularity);
  let cursor = Date.parse(bucketStart(keyOf(Date.parse(filters.from), granularity)));
  while (keys.length <= MAX_BUCKETS) {
    const key = keyOf(cursor, granularity);
    keys.push(key);
    if (key >= end) break;
    if (granularity === "month") {
      const d = new Date(cursor);
      cursor = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    } else {
      cursor += { minute: 60_000, hour: HOUR_MS, day: DAY_MS }[granularity];
    }
  }
  return keys;
}
