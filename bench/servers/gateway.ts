import { rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createStarterKey } from "../../local/first-start";
import { startLocalRuntime } from "../../local/runtime";

/** The gateway's local runtime on a random loopback port with a fresh workspace and key, for the benchmark. */
const dataDir = await mkdtemp(join(tmpdir(), "gateway-bench-"));
const runtime = await startLocalRuntime({
  host: "127.0.0.1",
  port: 0,
  dataDir,
  customHostAllowlist: "loopback",
  logBodies: process.env.LOG_BODIES !== "false",
});
const { apiKey } = await createStarterKey(runtime.cores.admin, runtime.adminKey.key);
process.stdout.write(`${JSON.stringify({ url: runtime.url, apiKey })}\n`);
// The memory bench asks for this process's memory over IPC.
process.on("message", (msg) => {
  if (msg === "gc") (globalThis as { gc?: () => void }).gc?.(); // with --expose-gc
  if (msg === "memory" || msg === "gc") process.send?.({ memory: process.memoryUsage(), cpu: process.cpuUsage() });
});
// SIGTERM exits cleanly (so `--cpu-prof` is written) and removes this run's data directory
process.on("SIGTERM", () => {
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
});
