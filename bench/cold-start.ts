import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Metafile } from "esbuild";
import { BUNDLE_FILE, coldLoadedOutputs, type FunctionName, runtimeEnvironment } from "../infra/lib/lambda-bundle";
import { ENV } from "../shared/core/env";
import {
  type BundledTaskRoot,
  bundledTaskRoot,
  LAMBDA_NODE,
  sourceTaskRoot,
  type TaskRoot,
} from "../test/support/lambda-ric";

/**
 * Issue 16 item 1: the three bundles as the stack builds them (`infra/lib/lambda-bundle.ts`), their sizes (what a
 * cold start loads: `index.mjs` and the chunks it imports statically; and all that ships), and the
 * median cold import of each in a fresh Node 22 process (the runtime's binary, the environment as the stack sets it,
 * `@aws-sdk` from the task root as the runtime provides it), next to the floor measured in the same run: a module
 * that imports only `@aws-sdk/client-dynamodb` and constructs a client. Runs are interleaved so drift on a shared
 * machine hits every module alike. Goals (ADR 0039, 0041): each cold load <= 400 kB; gateway import <= 1.5 x floor
 * + 40 ms.
 * A report, never a pass/fail: nothing here is timed in the test suite.
 */
const FLOOR_MODULE = `
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
export const client = new DynamoDBClient({});
`;

/**
 * Imports `index.mjs` once and prints the milliseconds the import took, wall clock and CPU (user + system; the
 * runtime's own start is not counted). On a shared machine the wall clock also counts waiting for a core; the CPU
 * time does not, so it separates two bundles more steadily.
 */
const IMPORT_PROBE = `
globalThis.awslambda = { streamifyResponse: (handler) => handler };
const cpu = process.cpuUsage();
const started = performance.now();
await import("./${BUNDLE_FILE}");
const wall = performance.now() - started;
const used = process.cpuUsage(cpu);
process.stdout.write(\`\${wall} \${(used.user + used.system) / 1000}\`);
`;

/** What the functions read at import (names only: no client makes a call before the first request). */
const FUNCTION_ENV: Record<string, string> = {
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "bench",
  AWS_SECRET_ACCESS_KEY: "bench",
  [ENV.tableName]: "bench-table",
  [ENV.kmsKeyId]: "alias/bench",
  [ENV.logStreamName]: "bench-stream",
  [ENV.adminKeySecretArn]: "arn:aws:secretsmanager:us-east-1:000000000000:secret:bench",
  [ENV.athenaWorkgroup]: "bench",
  [ENV.glueDatabase]: "bench",
  [ENV.glueTable]: "bench",
  POWERTOOLS_LOG_LEVEL: "SILENT",
};

export const BUNDLE_GOAL_KB = 400;
const KB = 1000;

/** Bytes of the output files that match `keep`, as esbuild wrote them. */
function bytesOf(meta: Metafile, paths: readonly string[], keep: (path: string) => boolean): number {
  return paths.filter(keep).reduce((sum, path) => sum + (meta.outputs[path]?.bytes ?? 0), 0);
}

/** The sizes of one bundle: what a cold start loads, what ships (code), the source maps that ship unloaded. */
export function bundleSizes(meta: Metafile): { coldLoad: number; code: number; maps: number } {
  const all = Object.keys(meta.outputs);
  return {
    coldLoad: bytesOf(meta, coldLoadedOutputs(meta), () => true),
    code: bytesOf(meta, all, (path) => !path.endsWith(".map")),
    maps: bytesOf(meta, all, (path) => path.endsWith(".map")),
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export interface ImportTime {
  readonly wallMs: number;
  readonly cpuMs: number;
}

export function importOnce(root: TaskRoot, nodeOptions: string): Promise<ImportTime> {
  return new Promise((resolve, reject) => {
    const child = spawn(LAMBDA_NODE, ["probe.mjs"], {
      cwd: root.dir,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...FUNCTION_ENV, NODE_OPTIONS: nodeOptions },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString("utf8");
    });
    child.stderr.on("data", (d: Buffer) => {
      err = (err + d.toString("utf8")).slice(-4096);
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(timer);
      const [wallMs, cpuMs] = out.split(" ").map(Number);
      if (code === 0 && Number.isFinite(wallMs) && Number.isFinite(cpuMs)) resolve({ wallMs, cpuMs } as ImportTime);
      else reject(new Error(`import probe exited ${code}: ${err}`));
    });
  });
}

export async function runColdStartBench(opts: { runs?: number } = {}): Promise<Record<string, number>> {
  const runs = opts.runs ?? 15;
  const names: FunctionName[] = ["gateway", "admin", "analytics"];
  const deployedOptions = runtimeEnvironment("gateway").NODE_OPTIONS ?? "";
  const roots: TaskRoot[] = [];
  try {
    const floor = await sourceTaskRoot(FLOOR_MODULE);
    roots.push(floor);
    const bundles = new Map<FunctionName, BundledTaskRoot>();
    for (const name of names) {
      const root = await bundledTaskRoot(name);
      roots.push(root);
      bundles.set(name, root);
    }
    for (const root of roots) await writeFile(join(root.dir, "probe.mjs"), IMPORT_PROBE);

    const figures: Record<string, number> = {};
    for (const [name, root] of bundles) {
      const sizes = bundleSizes(root.metafile);
      figures[`${name} cold load: index.mjs + static chunks (kB)`] = sizes.coldLoad / KB;
      figures[`${name} code shipped, all chunks (kB)`] = sizes.code / KB;
      figures[`${name} source maps, shipped (kB)`] = sizes.maps / KB;
    }

    const times = new Map<string, ImportTime[]>();
    const record = (label: string, t: ImportTime) => times.set(label, [...(times.get(label) ?? []), t]);
    const p50 = (label: string, of: keyof ImportTime) => median((times.get(label) ?? []).map((t) => t[of]));
    const gateway = bundles.get("gateway") as TaskRoot;
    for (let i = 0; i < runs; i++) {
      record("floor", await importOnce(floor, deployedOptions));
      for (const [name, root] of bundles) record(name, await importOnce(root, deployedOptions));
      record("gateway with --enable-source-maps", await importOnce(gateway, "--enable-source-maps"));
    }
    figures["floor import p50 (ms)"] = p50("floor", "wallMs");
    for (const name of names) figures[`${name} import p50 (ms)`] = p50(name, "wallMs");
    // The reference for the source-map decision (ADR 0039): the same bundle with the maps loaded.
    figures["gateway import with --enable-source-maps p50 (ms)"] = p50("gateway with --enable-source-maps", "wallMs");
    figures["floor import CPU p50 (ms)"] = p50("floor", "cpuMs");
    for (const name of names) figures[`${name} import CPU p50 (ms)`] = p50(name, "cpuMs");
    return figures;
  } finally {
    await Promise.all(roots.map((r) => r.remove()));
  }
}

/** The goal or reference printed next to each figure (issue 16 item 6: a figure never stands alone). */
export function coldStartGoals(figures: Record<string, number>): Record<string, string> {
  const goals: Record<string, string> = {};
  const floor = figures["floor import p50 (ms)"] ?? Number.NaN;
  for (const name of Object.keys(figures)) {
    if (name.includes("cold load")) goals[name] = `<= ${BUNDLE_GOAL_KB}`;
    else if (name === "gateway import p50 (ms)") goals[name] = `<= 1.5 x floor + 40 = ${(1.5 * floor + 40).toFixed(1)}`;
    else if (name.endsWith("import p50 (ms)") && !name.startsWith("floor")) goals[name] = `floor ${floor.toFixed(1)}`;
    else if (name.endsWith("import CPU p50 (ms)") && !name.startsWith("floor")) {
      goals[name] = `floor ${(figures["floor import CPU p50 (ms)"] ?? Number.NaN).toFixed(1)}`;
    } else if (name.startsWith("floor")) goals[name] = "reference";
  }
  return goals;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await runColdStartBench({ runs: Number(process.env.BENCH_RUNS ?? 15) });
  const goals = coldStartGoals(figures);
  for (const [name, value] of Object.entries(figures))
    console.log(`${name}: ${value.toFixed(1)}  ${goals[name] ?? ""}`);
}
