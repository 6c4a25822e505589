import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The admin CLI's binary, run as a user runs it: `node bin/aigw.mjs ...`. */
export const AIGW_BIN = fileURLToPath(new URL("../../bin/aigw.mjs", import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The child's full command line, as `ps` would show it. */
  readonly argv: readonly string[];
}

export interface CliOptions {
  /** The environment besides PATH (nothing of the test process's own environment leaks in). */
  readonly env: Record<string, string>;
  readonly stdin?: string;
  readonly timeoutMs?: number;
  /** Called once the child runs (e.g. to make traffic a `logs tail` should see). */
  readonly onStart?: (child: ChildProcess) => void;
}

/** Runs the binary to completion (killed after `timeoutMs`), collecting its output and exit code. */
export function runCli(args: readonly string[], options: CliOptions): Promise<CliResult> {
  const child = spawn(process.execPath, [AIGW_BIN, ...args], {
    env: { PATH: process.env.PATH ?? "", ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on("data", (b: Buffer) => stdout.push(b));
  child.stderr.on("data", (b: Buffer) => stderr.push(b));
  child.stdin.end(options.stdin ?? "");
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000);
  options.onStart?.(child);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
        argv: child.spawnargs,
      });
    });
  });
}
