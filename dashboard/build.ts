import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BuildOptions, type BuildResult, build, buildSync } from "esbuild";

/**
 * Builds the dashboard (Preact + uPlot, TSX under dashboard/src) into static files: `index.html` and hashed
 * `assets/main-<hash>.js` / `.css`. The CDK stack writes them into the analytics function's bundle; the local
 * runtime builds them in memory at start. Nothing generated is committed.
 */
const HERE = dirname(fileURLToPath(import.meta.url));
const ENTRY = join(HERE, "src", "main.tsx");
const TEMPLATE = join(HERE, "index.html");

const OPTIONS: BuildOptions = {
  entryPoints: [ENTRY],
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  platform: "browser",
  jsx: "automatic",
  jsxImportSource: "preact",
  entryNames: "assets/[name]-[hash]",
  outdir: "/dashboard-build",
  write: false,
  legalComments: "none",
  logLevel: "warning",
  define: { "process.env.NODE_ENV": '"production"' },
};

function filesOf(result: BuildResult<{ write: false }>): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let script: string | undefined;
  let style: string | undefined;
  for (const out of result.outputFiles) {
    const name = `assets/${basename(out.path)}`;
    files.set(name, Buffer.from(out.contents));
    if (name.endsWith(".js")) script = name;
    if (name.endsWith(".css")) style = name;
  }
  if (script === undefined || style === undefined) throw new Error("The dashboard build produced no script or style");
  const html = readFileSync(TEMPLATE, "utf8")
    .replace("{{script}}", `/dashboard/${script}`)
    .replace("{{style}}", `/dashboard/${style}`);
  files.set("index.html", Buffer.from(html));
  return files;
}

/** The built files by path (`index.html`, `assets/...`), in memory. */
export async function buildDashboard(): Promise<Map<string, Buffer>> {
  return filesOf(await build({ ...OPTIONS, write: false }));
}

/** The same, synchronously (CDK constructs are synchronous). */
export function buildDashboardSync(): Map<string, Buffer> {
  return filesOf(buildSync({ ...OPTIONS, write: false }));
}

/** Writes a build into `dir` (created when missing). */
export function writeDashboard(dir: string, files: ReadonlyMap<string, Buffer>): void {
  for (const [name, body] of files) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), body);
  }
}
