import { spawn } from "node:child_process";

/** The CLI arguments after `npx cdk`, as a reader would type them. */
export type CdkArgs = readonly string[];

export interface CdkRun {
  readonly stdout: string;
  readonly stderr: string;
}

const KEEP_OUTPUT_CHARS = 20_000;

/**
 * Runs `npx cdk <args>` (the pinned aws-cdk devDependency) in `cwd` with exactly `env`, killed after `timeoutMs`.
 * Rejects with the tail of its output on a non-zero exit or a timeout.
 */
export function runCdk(
  args: CdkArgs,
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<CdkRun> {
  return new Promise((resolve, reject) => {
    // Its own process group: a timeout kills the CLI and what it started (the app's tsx, esbuild) together.
    const child = spawn("npx", ["cdk", ...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout = (stdout + d.toString()).slice(-KEEP_OUTPUT_CHARS);
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-KEEP_OUTPUT_CHARS);
    });
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      reject(new Error(`npx cdk ${args.join(" ")} timed out after ${options.timeoutMs} ms\n${stderr}`));
    }, options.timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`npx cdk ${args.join(" ")} exited with ${code}\n${stdout}\n${stderr}`));
    });
  });
}
