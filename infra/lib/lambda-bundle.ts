import { spawnSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { type BuildOptions, build, type Metafile, type Plugin } from "esbuild";

/**
 * How every Lambda bundle is built, in one place (ADR 0041). esbuild's API with code splitting: `index.mjs` holds
 * what the handler needs at import, and code needed only sometimes (OpenTelemetry, the guardrails' regex and JSON
 * Schema engines, ...) sits in `chunks/`, loaded by the first `import()` that needs it. The stack deploys the output
 * directory as the function's code (`buildLambdaBundleSync` in its bundling hook); tests and the bench build the same
 * directory with `buildLambdaBundle`. A test compares the two outputs.
 */
export type FunctionName = "gateway" | "admin" | "analytics";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** ESM bundles still meet CommonJS dependencies that call `require`; this gives them one (in every chunk). */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

export const LAMBDA_BUNDLING = {
  /** The `nodejs22.x` runtime (docs/deploy.md: pinned on purpose). */
  target: "node22",
  minify: true,
  /**
   * Source maps ship next to each file, without the sources (`index.mjs.map`, for mapping a stack trace from the
   * logs), and the runtime does not load them: `--enable-source-maps` cost about 15% of the gateway's cold import
   * (ADR 0039).
   */
  sourceMap: true,
  sourcesContent: false,
  mainFields: ["module", "main"],
  banner: ESM_REQUIRE_BANNER,
  /** What the runtime provides: the `nodejs22.x` runtime ships the AWS SDK for JavaScript v3 (ADR 0039). */
  externalModules: ["@aws-sdk/*"],
} as const;

/** The entry file, as the handler names it (`index.handler`). */
export const BUNDLE_FILE = "index.mjs";
/** Where the chunks loaded by `import()` go, next to `index.mjs`. */
export const CHUNK_DIR = "chunks";

/** Environment every function gets besides its own variables. */
export function runtimeEnvironment(name: FunctionName): Record<string, string> {
  return { POWERTOOLS_SERVICE_NAME: `ai-gateway-${name}` };
}

export function lambdaEntry(name: FunctionName): string {
  return `${REPO_ROOT}functions/${name}/handler.ts`;
}

/**
 * Parts of undici the transport can never reach, left out of the bundle (ADR 0041). Each is replaced by a module
 * that fails with `reason` if it ever is reached, so a change that needs one fails loudly at its first use.
 */
export const UNDICI_PARTS_LEFT_OUT: readonly {
  readonly file: RegExp;
  readonly reason: string;
  readonly exports?: string;
}[] = [
  {
    // undici tries the SIMD build of its HTTP/1 parser (llhttp, WebAssembly) first and this one only when that does
    // not compile; Node 22 on Lambda (x86_64 and arm64) compiles it. 72 kB.
    file: /\/undici\/lib\/llhttp\/llhttp-wasm\.js$/,
    reason:
      "carries only the SIMD build of undici's HTTP parser (Node 22 on Lambda runs it); unset UNDICI_NO_WASM_SIMD",
  },
  {
    // HTTP/2 runs only on a connection whose TLS handshake chose `h2`, offered only with `allowH2`, which the
    // transport never sets. 10 kB, and `node:http2` is not loaded at import.
    file: /\/undici\/lib\/dispatcher\/client-h2\.js$/,
    reason: "speaks HTTP/1.1 upstream only (the transport never sets undici's allowH2)",
    exports: "module.exports = function connectH2() { fail(); };",
  },
  {
    // Body extraction for FormData and Blob bodies; upstream bodies are strings or Buffers (`UpstreamRequest`). 40 kB
    // with the fetch helpers it requires.
    file: /\/undici\/lib\/web\/fetch\/body\.js$/,
    reason: "sends string and Buffer bodies only (no FormData or Blob: undici's fetch body helpers are left out)",
  },
];

const undiciPartsLeftOut: Plugin = {
  name: "undici-parts-left-out",
  setup(b) {
    UNDICI_PARTS_LEFT_OUT.forEach((part) => {
      b.onLoad({ filter: part.file }, () => {
        const fail = `function fail() { throw new Error(${JSON.stringify(`This bundle ${part.reason}.`)}); }`;
        return { contents: `${fail}\n${part.exports ?? "fail();"}`, loader: "js" };
      });
    });
  },
};

/**
 * Where esbuild places a function's output, virtually (`write: false`; `buildLambdaBundle` writes the files where
 * asked). A fixed place makes the output the same wherever it lands: chunk names carry a hash of their content and
 * of their source map, whose paths are relative to the output directory.
 */
export function virtualOutdir(name: FunctionName): string {
  return `${REPO_ROOT}dist/lambda/${name}`;
}

/** esbuild's options for one function's bundle (`index.mjs`, `chunks/`, their maps), not written. */
export function lambdaEsbuildOptions(name: FunctionName): BuildOptions & { write: false } {
  return {
    entryPoints: { index: lambdaEntry(name) },
    bundle: true,
    splitting: true,
    target: LAMBDA_BUNDLING.target,
    platform: "node",
    format: "esm",
    outdir: virtualOutdir(name),
    write: false,
    outExtension: { ".js": ".mjs" },
    chunkNames: `${CHUNK_DIR}/[name]-[hash]`,
    minify: LAMBDA_BUNDLING.minify,
    sourcemap: LAMBDA_BUNDLING.sourceMap,
    sourcesContent: LAMBDA_BUNDLING.sourcesContent,
    external: [...LAMBDA_BUNDLING.externalModules],
    banner: { js: LAMBDA_BUNDLING.banner },
    mainFields: [...LAMBDA_BUNDLING.mainFields],
    plugins: [undiciPartsLeftOut],
    logLevel: "warning",
  };
}

/** Builds one function's bundle into `outdir` and returns esbuild's metafile (what each output file holds). */
export async function buildLambdaBundle(name: FunctionName, outdir: string): Promise<Metafile> {
  const result = await build({ ...lambdaEsbuildOptions(name), metafile: true });
  const from = virtualOutdir(name);
  for (const file of result.outputFiles) {
    const target = join(outdir, relative(from, file.path));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.contents);
  }
  return result.metafile;
}

/**
 * `buildLambdaBundle` for CDK's synchronous bundling hook: esbuild's synchronous API takes no plugins, so the build
 * runs in a child Node process (through tsx, like the CDK app itself) and this waits for it.
 */
export function buildLambdaBundleSync(name: FunctionName, outdir: string): void {
  const tsx = createRequire(import.meta.url).resolve("tsx/cli");
  const script = fileURLToPath(new URL("./build-lambda-bundle.ts", import.meta.url));
  const result = spawnSync(process.execPath, [tsx, script, name, outdir], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "inherit", "pipe"],
    timeout: 300_000,
  });
  if (result.status !== 0) {
    const reason = result.error?.message ?? result.stderr?.toString("utf8").slice(-2000) ?? "";
    throw new Error(`Bundling the ${name} function failed (exit ${result.status ?? result.signal}): ${reason}`);
  }
}

/**
 * What a cold start loads: the output files reachable from `index.mjs` through static `import`s (the chunks
 * reached only by `import()` load later, when first needed). Paths as the metafile names them.
 */
export function coldLoadedOutputs(metafile: Metafile): string[] {
  const entry = Object.keys(metafile.outputs).find((path) => path.endsWith(`/${BUNDLE_FILE}`));
  if (entry === undefined) throw new Error(`The metafile has no ${BUNDLE_FILE}`);
  const seen = new Set<string>([entry]);
  const queue = [entry];
  for (let path = queue.pop(); path !== undefined; path = queue.pop()) {
    for (const imported of metafile.outputs[path]?.imports ?? []) {
      if (imported.external || imported.kind !== "import-statement" || seen.has(imported.path)) continue;
      seen.add(imported.path);
      queue.push(imported.path);
    }
  }
  return [...seen];
}
