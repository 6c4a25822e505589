import { UsageError } from "./errors";

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** An ISO-8601 time, or a duration back from `now` (`30m`, `24h`, `7d`), as epoch ms. */
export function timeArg(raw: string, name: string, now: number): number {
  const rel = /^(\d{1,6})([smhd])$/.exec(raw);
  if (rel) return now - Number(rel[1]) * (UNIT_MS[rel[2] ?? "s"] ?? 1000);
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) throw new UsageError(`${name} must be an ISO-8601 time or a duration such as 30m, 24h, 7d.`);
  return ms;
}

/** `time_of_generation_min/max` from `--from`/`--to` (either may be absent). */
export function rangeQuery(
  from: unknown,
  to: unknown,
  now: number,
): { time_of_generation_min?: string; time_of_generation_max?: string } {
  const iso = (raw: unknown, name: string) =>
    raw === undefined ? undefined : new Date(timeArg(String(raw), name, now)).toISOString();
  return { time_of_generation_min: iso(from, "--from"), time_of_generation_max: iso(to, "--to") };
}
