import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const REPO_NODE_MODULES = fileURLToPath(new URL("../../../node_modules/", import.meta.url));

/**
 * Run in the child: the Lambda runtime's `awslambda` global (streaming handlers call `streamifyResponse` at load),
 * then import the bundle and print what `handler` is, or the import error's message, as one JSON line. (Node's own
 * report of an uncaught import error echoes the minified source line first and may be cut short.)
 */
const IMPORT_SCRIPT = `
globalThis.awslambda = { streamifyResponse: (handler) => handler, HttpResponseStream: { from: (stream) => stream } };
try {
  const bundle = await import(process.argv[1]);
  process.stdout.write(JSON.stringify({ handlerType: typeof bundle.handler }));
} catch (err) {
  process.stdout.write(JSON.stringify({ error: String(err instanceof Error ? err.message : err).slice(0, 300) }));
}
`;

export interface BundleImport {
  /** `typeof handler` after the import, undefined when the import failed. */
  readonly handlerType: string | undefined;
  /** The import error's message (cut to 300 characters), undefined when the import succeeded. */
  readonly error: string | undefined;
}

/**
 * Imports a bundled `index.mjs` in a fresh `node` process with exactly `environment` (plus AWS_REGION),
 * the way the Lambda runtime loads it at cold start: a bare `require` without the banner, a missing env var or a
 * missing module or chunk fails here. The bundle's directory (`index.mjs`, its chunks) is copied next to a
 * `node_modules/@aws-sdk` link to the repository's copy, standing in for the SDK the runtime provides (the bundle
 * leaves `@aws-sdk/*` external); nothing else resolves.
 */
export async function importBundleInNode(
  bundlePath: string,
  environment: Readonly<Record<string, string>>,
): Promise<BundleImport> {
  const dir = mkdtempSync(join(tmpdir(), "gateway-bundle-"));
  try {
    cpSync(dirname(bundlePath), dir, { recursive: true });
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(join(REPO_NODE_MODULES, "@aws-sdk"), join(dir, "node_modules", "@aws-sdk"), "dir");
    const entry = pathToFileURL(join(dir, basename(bundlePath))).href;
    return await runNode(["--input-type=module", "-e", IMPORT_SCRIPT, entry], {
      AWS_REGION: "us-east-1",
      ...environment,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runNode(args: string[], env: Record<string, string>): Promise<BundleImport> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { env, timeout: 30_000 }, (err, stdout, stderr) => {
      try {
        const reported = JSON.parse(stdout) as { handlerType?: string; error?: string };
        resolve({ handlerType: reported.handlerType, error: reported.error });
      } catch {
        resolve({
          handlerType: undefined,
          error: `node printed no report (${err === null ? "exit 0" : err.message.slice(0, 200)}): ${stderr.slice(-300)}`,
        });
      }
    });
  });
}
