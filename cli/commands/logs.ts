import { Command } from "commander";
import { type ApiClient, type Json, type Query, seg } from "../client";
import { UsageError } from "../errors";
import { col, renderJson, renderTable } from "../output";
import { action, type Io, intOption, type Run } from "../runner";
import { rangeQuery, timeArg } from "../time-range";

const LOG_COLUMNS = [
  col("ts", "TIME"),
  col("id"),
  col("status"),
  col("provider"),
  col("model_served", "MODEL"),
  col("total_tokens", "TOKENS"),
  col("cost_usd", "COST_USD"),
  col("latency_ms", "MS"),
];

/** The filters `logs search` and `logs tail` share, as query parameters of `GET /v1/logs`. */
function filterOptions(cmd: Command): Command {
  return cmd
    .option("--model <list>", "comma-separated models")
    .option("--provider <list>", "comma-separated providers")
    .option("--status <list>", "comma-separated HTTP statuses")
    .option("--virtual-key <list>", "comma-separated virtual key slugs")
    .option("--config <list>", "comma-separated config slugs")
    .option("--trace-id <list>", "comma-separated trace ids")
    .option("--workspace <id>", "root key: only this workspace");
}

function filterQuery(o: Record<string, unknown>): Query {
  const s = (v: unknown) => (v === undefined ? undefined : String(v));
  return {
    model: s(o.model),
    provider: s(o.provider),
    status_code: s(o.status),
    virtual_keys: s(o.virtualKey),
    configs: s(o.config),
    trace_id: s(o.traceId),
    workspace_id: s(o.workspace),
  };
}

/** Between polls of `logs tail`, bounded both ways. */
const MIN_INTERVAL_S = 0.2;
const MAX_INTERVAL_S = 300;
/** Records can land late (logs are written after the answer, batched); tail looks back this far for ones it missed. */
const LOOKBACK_MS = 120_000;
const PAGE = 500;
/** At most this many pages per poll; a larger burst is read over the next polls. */
const MAX_PAGES_PER_POLL = 10;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });
}

const tsOf = (record: Json): number => Date.parse(String(record.ts));

/** The records newer than what `seen` holds since `since` (oldest first), reading pages newest first. */
async function freshRecords(client: ApiClient, query: Query, since: number, seen: Map<string, number>) {
  const fresh: Json[] = [];
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES_PER_POLL; page++) {
    const answer = await client.request("GET", "/v1/logs", {
      query: { ...query, time_of_generation_min: new Date(since).toISOString(), limit: PAGE, after },
    });
    const data = Array.isArray(answer.data) ? (answer.data as Json[]) : [];
    for (const record of data) if (!seen.has(String(record.id))) fresh.push(record);
    if (answer.has_more !== true || typeof answer.next_cursor !== "string") break;
    after = answer.next_cursor;
  }
  return fresh.sort((a, b) => tsOf(a) - tsOf(b) || String(a.id).localeCompare(String(b.id)));
}

async function tail(run: Run, o: Record<string, unknown>): Promise<void> {
  const { io } = run;
  const client = await run.client();
  const intervalS = Number(o.interval ?? 2);
  if (!Number.isFinite(intervalS) || intervalS < MIN_INTERVAL_S || intervalS > MAX_INTERVAL_S) {
    throw new UsageError(`--interval must be ${MIN_INTERVAL_S}..${MAX_INTERVAL_S} seconds.`);
  }
  const limit = intOption(o.limit, "--limit", 1, 1_000_000);
  const query = filterQuery(o);
  let watermark = o.since === undefined ? Date.now() : timeArg(String(o.since), "--since", Date.now());
  const start = watermark;
  const seen = new Map<string, number>();
  let printed = 0;
  let header = !run.json;
  let first = true;
  while (!io.signal.aborted) {
    const since = Math.max(start, watermark - LOOKBACK_MS);
    const fresh = await freshRecords(client, query, since, seen);
    for (const record of fresh) {
      if (limit !== undefined && printed >= limit) break;
      seen.set(String(record.id), tsOf(record));
      watermark = Math.max(watermark, tsOf(record));
      if (run.json) io.stdout(`${JSON.stringify(record)}\n`);
      else {
        const table = renderTable([record], LOG_COLUMNS).split("\n");
        io.stdout(`${header ? `${table[0]}\n` : ""}${table[1]}\n`);
        header = false;
      }
      printed++;
    }
    if (limit !== undefined && printed >= limit) return;
    if (first) io.stderr("Following new request logs (Ctrl-C to stop)...\n");
    first = false;
    for (const [id, ts] of seen) if (ts < watermark - LOOKBACK_MS) seen.delete(id);
    await sleep(intervalS * 1000, io.signal);
  }
}

/** `aigw logs search|get|tail`. */
export function logsCommand(io: Io): Command {
  const group = new Command("logs").description("Request logs (needs the logs scope)");
  filterOptions(
    group
      .command("search")
      .description("Search request logs, newest first (default: the last 7 days)")
      .option("--from <time>", "ISO-8601 or a duration back (30m, 24h, 7d)")
      .option("--to <time>", "ISO-8601 or a duration back")
      .option("--limit <n>", "1..500 (default 50)")
      .option("--after <cursor>", "the next page (printed under the table)"),
  ).action(
    action(io, async (run, _args, o) => {
      const query = {
        ...filterQuery(o),
        ...rangeQuery(o.from, o.to, Date.now()),
        limit: intOption(o.limit, "--limit", 1, 500),
        after: o.after as string | undefined,
      };
      const answer = await (await run.client()).request("GET", "/v1/logs", { query });
      if (run.json) return io.stdout(renderJson(answer));
      io.stdout(renderTable(Array.isArray(answer.data) ? (answer.data as Json[]) : [], LOG_COLUMNS));
      if (typeof answer.next_cursor === "string") io.stderr(`more: --after ${answer.next_cursor}\n`);
    }),
  );
  group
    .command("get")
    .description("One request log with its bodies, attempts and feedback")
    .argument("<id>")
    .action(
      action(io, async (run, [id]) => {
        run.printRecord(await (await run.client()).request("GET", `/v1/logs/${seg(id ?? "")}`));
      }),
    );
  filterOptions(
    group
      .command("tail")
      .description("Print new request logs as they arrive, until Ctrl-C (or --limit records)")
      .option("--since <time>", "start from this time (ISO-8601 or 30m, 24h); default: now")
      .option("--interval <seconds>", `between polls, ${MIN_INTERVAL_S}..${MAX_INTERVAL_S} (default 2)`)
      .option("--limit <n>", "stop after this many records"),
  ).action(action(io, (run, _args, o) => tail(run, o)));
  return group;
}
