import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalRuntime, startLocalRuntime } from "../../local/runtime";

/** Starts the local runtime on a random loopback port with a throw-away data directory. */
export async function startTestGateway(
  options: { streamIdleTimeoutMs?: number } = {},
): Promise<LocalRuntime & { dataDir: string; stop(): Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), "gateway-test-"));
  const runtime = await startLocalRuntime({
    host: "127.0.0.1",
    port: 0,
    dataDir,
    customHostAllowlist: "loopback",
    streamIdleTimeoutMs: options.streamIdleTimeoutMs,
  });
  return Object.assign(runtime, {
    dataDir,
    stop: async () => {
      await runtime.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  });
}
