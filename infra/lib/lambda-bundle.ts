import { fileURLToPath } from "node:url";
import type { BuildOptions } from "esbuild";

/**
 * How every Lambda bundle is built, in one place. The stack's `NodejsFunction` gets these as its `bundling`
 * props (CDK turns them into an esbuild command line); tests and the bench that run a bundle outside CDK build it
 * with `lambdaEsbuildOptions`, the same settings in esbuild's API form. A test compares the two outputs.
 */
export type FunctionName = "gateway" | "admin" | "analytics";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** ESM bundles still meet CommonJS dependencies that call `require`; this gives them one. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

export const LAMBDA_BUNDLING = {
  /** The `nodejs22.x` runtime (docs/deploy.md: pinned on purpose). */
  target: "node22",
  minify: true,
  /**
   * Source maps ship next to the bundle, without the sources (`index.mjs.map`, for mapping a stack trace from the
   * logs), and the runtime does not load them: `--enable-source-maps` cost about 15% of the gateway's cold import
   * (ADR 0039).
   */
  sourceMap: true,
  sourcesContent: false,
  mainFields: ["module", "main"],
  banner: ESM_REQUIRE_BANNER,
  /** What the runtime provides (CDK's default for nodejs22.x, spelled out so both builds leave out the same). */
  externalModules: ["@aws-sdk/*"],
} as const;

/** The output file name of an ESM bundle, as CDK names it (`index.mjs`, handler `index.handler`). */
export const BUNDLE_FILE = "index.mjs";

/** Environment every function gets besides its own variables. */
export function runtimeEnvironment(name: FunctionName): Record<string, string> {
  return { POWERTOOLS_SERVICE_NAME: `ai-gateway-${name}` };
}

export function lambdaEntry(name: FunctionName): string {
  return `${REPO_ROOT}functions/${name}/handler.ts`;
}

/**
 * esbuild's API form of what `NodejsFunction` runs for `LAMBDA_BUNDLING` (`esbuild --bundle <entry> --target=node22
 * --platform=node --format=esm --outfile=<dir>/index.mjs --minify --sourcemap --sources-content=false
 * --external:@aws-sdk/* --banner:js=... --main-fields=module,main`).
 */
export function lambdaEsbuildOptions(name: FunctionName, outdir: string): BuildOptions {
  return {
    entryPoints: [lambdaEntry(name)],
    bundle: true,
    target: LAMBDA_BUNDLING.target,
    platform: "node",
    format: "esm",
    outfile: `${outdir}/${BUNDLE_FILE}`,
    minify: LAMBDA_BUNDLING.minify,
    sourcemap: LAMBDA_BUNDLING.sourceMap,
    sourcesContent: LAMBDA_BUNDLING.sourcesContent,
    external: [...LAMBDA_BUNDLING.externalModules],
    banner: { js: LAMBDA_BUNDLING.banner },
    mainFields: [...LAMBDA_BUNDLING.mainFields],
    logLevel: "warning",
  };
}
