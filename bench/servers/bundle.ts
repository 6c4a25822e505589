import { build } from "esbuild";
import { ESM_REQUIRE_BANNER } from "../../infra/lib/lambda-bundle";

/**
 * The bench's servers as the stack ships code: bundled by esbuild, minified, without the `keepNames` wrappers tsx
 * adds to every function (a `defineProperty` each time a closure is created: about 5% of the gateway's CPU under
 * load), run by plain `node`. Dependencies stay in node_modules (the Lambda bundle inlines them; their own code runs
 * the same either way). One build per bench run, into bench-results/servers/ (not committed).
 */
const SERVERS = ["upstream", "bare-proxy", "gateway"] as const;
export type BenchServer = (typeof SERVERS)[number];

const outdir = new URL("../../bench-results/servers/", import.meta.url);
let built: Promise<void> | undefined;

/** `BENCH_TSX=1` runs the servers' TypeScript sources under tsx instead (quicker to edit, slower to run). */
export const bundledServers = process.env.BENCH_TSX !== "1";

/** The file to run for a bench server: its bundle (built on first call), or its source under `BENCH_TSX=1`. */
export async function benchServerFile(name: BenchServer): Promise<string> {
  if (!bundledServers) return new URL(`./${name}.ts`, import.meta.url).pathname;
  built ??= build({
    entryPoints: SERVERS.map((s) => new URL(`./${s}.ts`, import.meta.url).pathname),
    outdir: outdir.pathname,
    bundle: true,
    platform: "node",
    format: "esm",
    target: `node${process.versions.node.split(".")[0]}`,
    outExtension: { ".js": ".mjs" },
    minify: true,
    packages: "external",
    banner: { js: ESM_REQUIRE_BANNER },
    logLevel: "warning",
  }).then(() => undefined);
  await built;
  return new URL(`${name}.mjs`, outdir).pathname;
}
