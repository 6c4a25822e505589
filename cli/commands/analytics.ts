import { Command } from "commander";
import { type Json, seg } from "../client";
import { col } from "../output";
import { action, type Io, intOption } from "../runner";
import { rangeQuery } from "../time-range";

/** Group names of `GET /v1/analytics/groups/{name}` (docs/analytics.md, "Groups"). */
const GROUPS = [
  "model",
  "provider",
  "status_code",
  "api_key",
  "config",
  "prompt",
  "virtual_key",
  "users",
  "ai-models",
  "workspaces",
];

const round = (digits: number) => (v: unknown) => (typeof v === "number" ? Number(v.toFixed(digits)) : v);

/** `aigw analytics summary [--by model]`: requests, cost, tokens, latency and errors per group over a time range. */
export function analyticsCommand(io: Io): Command {
  const group = new Command("analytics").description("Analytics over the request logs (needs the analytics scope)");
  group
    .command("summary")
    .description("A summary table: requests, cost, tokens, latency and errors per group")
    .option("--by <group>", `one of: ${GROUPS.join(", ")}`, "model")
    .option("--from <time>", "ISO-8601 or a duration back (30m, 24h, 7d)", "24h")
    .option("--to <time>", "ISO-8601 or a duration back (default: now)")
    .option("--limit <n>", "rows, 1..500 (default 20)")
    .option("--workspace <id>", "root key: only this workspace")
    .action(
      action(io, async (run, _args, o) => {
        const by = String(o.by);
        const now = Date.now();
        const range = rangeQuery(o.from, o.to ?? new Date(now).toISOString(), now);
        const query = {
          ...range,
          page_size: intOption(o.limit, "--limit", 1, 500),
          workspace_id: o.workspace as string | undefined,
        };
        const answer = await (await run.client()).request("GET", `/v1/analytics/groups/${seg(by)}`, { query });
        const keyField = (row: Json) => row[by] ?? row[Object.keys(row)[0] ?? ""];
        run.printList(answer, [
          { header: by.toUpperCase(), cell: keyField },
          col("requests"),
          { header: "COST_USD", cell: (r) => round(6)(r.cost) },
          col("total_tokens", "TOKENS"),
          { header: "AVG_MS", cell: (r) => round(0)(r.avg_latency) },
          { header: "P95_MS", cell: (r) => round(0)(r.p95_latency) },
          col("error_count", "ERRORS"),
          { header: "SUCCESS_%", cell: (r) => round(1)(r.success_rate) },
          { header: "CACHE_HIT_%", cell: (r) => round(1)(r.cache_hit_rate) },
        ]);
      }),
    );
  return group;
}
