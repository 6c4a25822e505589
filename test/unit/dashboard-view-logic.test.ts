import { describe, expect, it } from "vitest";
import {
  formatCost,
  formatCount,
  formatDuration,
  formatPercent,
  formatTime,
  statusLabel,
} from "../../dashboard/src/lib/format";
import { filterParams, filtersFromHash, filtersToHash, logSearchPath, timeRange } from "../../dashboard/src/lib/query";

describe("dashboard formatters", () => {
  it("writes counts with separators and missing values as a dash, not zero", () => {
    expect(formatCount(1234567)).toBe("1,234,567");
    expect(formatCount(0)).toBe("0");
    expect(formatCount(null)).toBe("–");
  });

  it("keeps the significant digits of small costs and two decimals of large ones", () => {
    expect(formatCost(0)).toBe("$0.00");
    expect(formatCost(0.000123)).toBe("$0.000123");
    expect(formatCost(0.05)).toBe("$0.05");
    expect(formatCost(1234.5)).toBe("$1,234.50");
    expect(formatCost(null)).toBe("–");
  });

  it("writes durations in ms, s or min", () => {
    expect(formatDuration(85.4)).toBe("85 ms");
    expect(formatDuration(1240)).toBe("1.24 s");
    expect(formatDuration(125_000)).toBe("2 min 5 s");
    expect(formatDuration(undefined)).toBe("–");
  });

  it("writes rates, UTC times and failed statuses", () => {
    expect(formatPercent(12.345)).toBe("12.3%");
    expect(formatPercent(null)).toBe("–");
    expect(formatTime("2026-11-30T06:56:35.123Z")).toBe("2026-11-30 06:56:35");
    expect(statusLabel(200)).toBe("200");
    expect(statusLabel(503)).toBe("503 error");
  });
});

describe("dashboard query building", () => {
  const range = timeRange("24h", Date.parse("2026-11-30T12:00:00Z"));

  it("asks for the chosen range ending now", () => {
    expect(range).toEqual({ from: "2026-11-29T12:00:00.000Z", to: "2026-11-30T12:00:00.000Z" });
  });

  it("sends only the filters that are set, under the API's names, metadata as a JSON object", () => {
    const params = filterParams(range, { model: " gpt-4o ", status: "", metadataKey: "team", metadataValue: "alpha" });
    expect(Object.fromEntries(params)).toEqual({
      time_of_generation_min: range.from,
      time_of_generation_max: range.to,
      model: "gpt-4o",
      metadata: '{"team":"alpha"}',
    });
  });

  it("builds a log page path with its size and cursor, encoded", () => {
    const path = logSearchPath(range, { search: "trace a&b" }, 25, "abc");
    const url = new URL(path, "http://x");
    expect(url.pathname).toBe("/v1/logs");
    expect(url.searchParams.get("search")).toBe("trace a&b");
    expect(url.searchParams.get("limit")).toBe("25");
    expect(url.searchParams.get("after")).toBe("abc");
  });

  it("round-trips filters through the hash route and ignores unknown names", () => {
    const filters = { traceId: "t-1", metadataKey: "team", metadataValue: "a b" };
    expect(filtersFromHash(filtersToHash(filters))).toEqual(filters);
    expect(filtersFromHash("?evil=1&model=m")).toEqual({ model: "m" });
    expect(filtersToHash({})).toBe("");
  });
});
