import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { type LoadResult, runLoad } from "./load";
import { benchServerFile, bundledServers } from "./servers/bundle";

/**
 * Issue 2's benchmark: the same fast upstream reached directly, through a bare Node pass-through proxy (our
 * floor) and through the gateway, at fixed concurrency. Rounds are interleaved so drift hits every scenario alike;
 * the median round is reported. Loopback only; bounded by request count.
 */

/**
 * A bench server as a child process (with an IPC channel: the memory bench asks it for its memory): a bundle
 * (`benchServerFile`) runs on plain node, a `.ts` source under tsx.
 */
export async function startChild(
  file: string,
  env: Record<string, string> = {},
  nodeArgs: readonly string[] = [],
): Promise<{ url: string; apiKey?: string; child: ChildProcess }> {
  const loader = file.endsWith(".ts") ? ["--import", "tsx"] : [];
  const child = spawn(process.env.BENCH_NODE ?? process.execPath, [...nodeArgs, ...loader, file], {
    env: { ...process.env, ...env, POWERTOOLS_LOG_LEVEL: "SILENT" },
    stdio: ["ignore", "pipe", "inherit", "ipc"],
  });
  const [line] = (await Promise.race([
    once(child.stdout as NodeJS.ReadableStream, "data"),
    new Promise((_, reject) => setTimeout(() => reject(new Error(`${file} did not start`)), 15_000)),
  ])) as [Buffer];
  const ready = JSON.parse(line.toString().split("\n")[0] ?? "{}") as { url: string; apiKey?: string };
  return { url: ready.url, apiKey: ready.apiKey, child };
}

/** `gateway, bodies off`: the same gateway with `LOG_BODIES=false` (every request logged, without its bodies). */
type Scenario = "direct" | "bare proxy" | "gateway" | "gateway, bodies off";

/** CPU time (user + system, microseconds) a bench server has used so far, asked over IPC. */
export function cpuOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no cpu answer")), 5_000);
    child.once("message", (msg) => {
      clearTimeout(timer);
      const { cpu } = msg as { cpu: NodeJS.CpuUsage };
      resolve(cpu.user + cpu.system);
    });
    child.send("memory");
  });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

export interface OverheadRow {
  readonly mode: "json" | "stream";
  readonly scenario: Scenario;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly ttfbP50: number;
  readonly ttfbP99: number;
  /** The proxy process's CPU time per request (user + system, us); steadier than req/s on a shared machine. */
  readonly cpuUs: number;
}

/** A bench process of each proxy, fresh for one round. */
async function startProxies(upstreamUrl: string) {
  const proxy = await startChild(await benchServerFile("bare-proxy"), { UPSTREAM_URL: upstreamUrl });
  // BENCH_GATEWAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof" profiles the gateway process under the load
  const gatewayArgs = process.env.BENCH_GATEWAY_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
  const gateway = await startChild(await benchServerFile("gateway"), {}, gatewayArgs);
  const gatewayNoBodies = await startChild(await benchServerFile("gateway"), { LOG_BODIES: "false" }, gatewayArgs);
  return { proxy, gateway, gatewayNoBodies };
}

/**
 * Each round starts the bare proxy and the gateway afresh: two processes running the same code on this machine
 * differ by up to ~20% in CPU per request for their whole life (where the scheduler puts them, what V8 decides
 * early), so one process of each would turn that luck into the ratio. Scenarios run in a rotated order per round
 * (the one after another one ran measured faster), each warmed up before its CPU is read; medians of the rounds.
 */
export async function runProxyOverheadBench(
  opts: { requests?: number; rounds?: number; concurrency?: number } = {},
): Promise<OverheadRow[]> {
  const requests = opts.requests ?? 5000;
  const rounds = opts.rounds ?? 3;
  const concurrency = opts.concurrency ?? 8;
  // V8 tiers up both servers' code over their first ~4000-5000 requests (docs/performance.md, "Warm-up")
  const warmup = Number(process.env.BENCH_WARMUP ?? 5000);
  const upstream = await startChild(await benchServerFile("upstream"));
  const rows: OverheadRow[] = [];
  try {
    for (const mode of ["json", "stream"] as const) {
      const body = JSON.stringify({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "Say hello to the benchmark." }],
        ...(mode === "stream" ? { stream: true } : {}),
      });
      const results: Record<Scenario, LoadResult[]> = {
        direct: [],
        "bare proxy": [],
        gateway: [],
        "gateway, bodies off": [],
      };
      const cpu: Record<Scenario, number[]> = { direct: [], "bare proxy": [], gateway: [], "gateway, bodies off": [] };
      for (let round = 0; round < rounds; round++) {
        const { proxy, gateway, gatewayNoBodies } = await startProxies(upstream.url);
        const gatewayHeaders = (apiKey: string | undefined) => ({
          "x-portkey-api-key": apiKey ?? "",
          "x-portkey-provider": "openai",
          "x-portkey-custom-host": `${upstream.url}/v1`,
        });
        try {
          const targets: Record<Scenario, { origin: string; headers: Record<string, string>; child: ChildProcess }> = {
            direct: { origin: upstream.url, headers: {}, child: upstream.child },
            "bare proxy": { origin: proxy.url, headers: {}, child: proxy.child },
            gateway: { origin: gateway.url, headers: gatewayHeaders(gateway.apiKey), child: gateway.child },
            "gateway, bodies off": {
              origin: gatewayNoBodies.url,
              headers: gatewayHeaders(gatewayNoBodies.apiKey),
              child: gatewayNoBodies.child,
            },
          };
          const order = Object.keys(targets) as Scenario[];
          const turn = round % order.length;
          for (const scenario of [...order.slice(turn), ...order.slice(0, turn)]) {
            const t = targets[scenario];
            const load = (count: number) =>
              runLoad({
                origin: t.origin,
                path: "/v1/chat/completions",
                headers: { "content-type": "application/json", authorization: "Bearer sk-bench", ...t.headers },
                body,
                concurrency,
                requests: count,
                warmup: 0,
              });
            await load(warmup);
            const cpuBefore = await cpuOf(t.child);
            const res = await load(requests);
            if (res.errors > 0) throw new Error(`${scenario} ${mode}: ${res.errors} failed requests`);
            results[scenario].push(res);
            cpu[scenario].push(((await cpuOf(t.child)) - cpuBefore) / requests);
          }
        } finally {
          for (const c of [proxy, gateway, gatewayNoBodies]) c.child.kill();
        }
      }
      for (const scenario of Object.keys(results) as Scenario[]) {
        const r = results[scenario];
        rows.push({
          mode,
          scenario,
          rps: median(r.map((x) => x.rps)),
          p50: median(r.map((x) => x.p50)),
          p99: median(r.map((x) => x.p99)),
          ttfbP50: median(r.map((x) => x.ttfbP50)),
          ttfbP99: median(r.map((x) => x.ttfbP99)),
          cpuUs: median(cpu[scenario]),
        });
      }
    }
  } finally {
    upstream.child.kill();
  }
  return rows;
}

export function printOverhead(rows: readonly OverheadRow[], concurrency: number): void {
  const f = (n: number) => n.toFixed(3);
  const servers = bundledServers ? "servers bundled by esbuild, as deployed" : "servers under tsx (BENCH_TSX=1)";
  console.log(
    `\n## Proxy overhead (concurrency ${concurrency}, loopback, ${servers}, median of rounds, fresh server processes each round)`,
  );
  console.log("| mode | scenario | req/s | p50 ms | p99 ms | TTFB p50 ms | TTFB p99 ms | server CPU us/req |");
  console.log("|---|---|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    console.log(
      `| ${r.mode} | ${r.scenario} | ${r.rps.toFixed(0)} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.ttfbP50)} | ${f(r.ttfbP99)} | ${r.cpuUs.toFixed(0)} |`,
    );
  }
  for (const mode of ["json", "stream"] as const) {
    const get = (s: Scenario) => rows.find((r) => r.mode === mode && r.scenario === s) as OverheadRow;
    const direct = get("direct");
    const proxy = get("bare proxy");
    const gw = get("gateway");
    const noBodies = get("gateway, bodies off");
    const proxyAdded = proxy.p50 - direct.p50;
    const gwAdded = gw.p50 - direct.p50;
    console.log(
      `${mode}: gateway/bare-proxy throughput ${(gw.rps / proxy.rps).toFixed(2)}x (goal >= 0.8 at 50 connections); ` +
        `CPU per request ${(proxy.cpuUs / gw.cpuUs).toFixed(2)}x of the bare proxy's (the throughput ratio on a saturated core)`,
    );
    console.log(
      `${mode}: with LOG_BODIES=false (requests still logged, without bodies) ${(noBodies.rps / proxy.rps).toFixed(2)}x ` +
        `the bare proxy's throughput, CPU ${(proxy.cpuUs / noBodies.cpuUs).toFixed(2)}x`,
    );
    console.log(
      `${mode}: gateway adds p50 ${f(gwAdded)} ms, p99 ${f(gw.p99 - direct.p99)} ms; bare proxy adds p50 ${f(proxyAdded)} ms; ` +
        `gateway/bare-proxy overhead ratio ${(gwAdded / proxyAdded).toFixed(2)}x; ` +
        `gateway adds ${f(gwAdded - proxyAdded)} ms over the bare proxy (goal <= 0.05 unloaded)` +
        (mode === "stream"
          ? `; added TTFB p50 ${f(gw.ttfbP50 - direct.ttfbP50)} ms (goal <= 0.5; bare proxy ${f(proxy.ttfbP50 - direct.ttfbP50)} ms)`
          : ""),
    );
  }
}
