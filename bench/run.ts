import { mkdir, writeFile } from "node:fs/promises";
import { printOverhead, runProxyOverheadBench } from "./proxy-overhead";

/**
 * `npm run bench`: bounded, loopback-only benchmarks. Prints markdown tables and writes the raw figures to
 * bench-results/latest.json (not committed). BENCH_QUICK=1 runs a smaller pass.
 */
const quick = process.env.BENCH_QUICK === "1";
const concurrencies = (process.env.BENCH_CONCURRENCY ?? "1,8").split(",").map(Number);
const results: Record<string, unknown> = { date: new Date().toISOString(), node: process.version };

for (const concurrency of concurrencies) {
  const overhead = await runProxyOverheadBench({ requests: quick ? 1000 : 3000, rounds: quick ? 1 : 3, concurrency });
  printOverhead(overhead, concurrency);
  results[`proxyOverhead_c${concurrency}`] = overhead;
}

await mkdir("bench-results", { recursive: true });
await writeFile("bench-results/latest.json", `${JSON.stringify(results, null, 2)}\n`);
console.log("\nraw figures: bench-results/latest.json");
