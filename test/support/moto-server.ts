import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

/** A moto_server on a free loopback port (`moto_server` must be on the PATH). */
export interface MotoServer {
  /** `http://localhost:<port>` (the host must be "localhost" for some SDK paths, not 127.0.0.1). */
  readonly endpoint: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(url: string, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    try {
      const res = await fetch(`${url}/moto-api/`);
      if (res.status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not start at ${url} within ${deadlineMs} ms`);
}

export interface MotoOptions {
  /** The account moto serves (`MOTO_ACCOUNT_ID`); moto's default is 123456789012. */
  readonly accountId?: string;
}

export async function startMotoServer(options: MotoOptions = {}): Promise<MotoServer> {
  const port = await freePort();
  const child: ChildProcess = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
    env: options.accountId === undefined ? process.env : { ...process.env, MOTO_ACCOUNT_ID: options.accountId },
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const endpoint = `http://localhost:${port}`;
  try {
    await waitUntilUp(endpoint, 20_000);
  } catch (err) {
    child.kill("SIGKILL");
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }
  return {
    endpoint,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}
