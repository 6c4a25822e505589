import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startLocalRuntime } from "../../local/runtime";
import { TEST_ROOT_KEY } from "../support/local-gateway";

/**
 * The local data directory holds the key ring, the root admin key, the control-plane tables and request logs with
 * bodies: only the user running the gateway may read it. Directories are 0700 and files 0600, including files an
 * older version (or a careless copy) left with wider modes.
 */
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function freshParent(): Promise<string> {
  const parent = await mkdtemp(join(tmpdir(), "gateway-modes-"));
  dirs.push(parent);
  return parent;
}

function modeOf(path: string): Promise<number> {
  return stat(path).then((s) => s.mode & 0o777);
}

/**
 * Starts the runtime on `dataDir`, sends one logged request (a 4xx is enough: the root key passes the header check
 * that refuses unknown keys before their bodies are read, then the data plane answers it), flushes the log, stops.
 */
async function runOnce(dataDir: string): Promise<void> {
  const runtime = await startLocalRuntime({ host: "127.0.0.1", port: 0, dataDir, adminKey: TEST_ROOT_KEY });
  try {
    await fetch(`${runtime.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "x-portkey-api-key": TEST_ROOT_KEY },
      body: "{}",
    });
    await runtime.logSink.flush();
  } finally {
    await runtime.close();
  }
}

async function ndjsonFiles(dataDir: string): Promise<string[]> {
  const root = join(dataDir, "logs");
  return (await readdir(root, { recursive: true })).filter((f) => f.endsWith(".ndjson")).map((f) => join(root, f));
}

describe.skipIf(process.platform === "win32")("local data directory modes", () => {
  it("creates the directory 0700 and the key ring and request logs 0600", async () => {
    // Prepare
    const dataDir = join(await freshParent(), "data");

    // Act
    await runOnce(dataDir);

    // Assess
    expect(await modeOf(dataDir)).toBe(0o700);
    expect(await modeOf(join(dataDir, "keyring.json"))).toBe(0o600);
    expect(await modeOf(join(dataDir, "logs"))).toBe(0o700);
    const files = await ndjsonFiles(dataDir);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(await modeOf(file)).toBe(0o600);
  });

  it("tightens an existing directory, key ring, admin key and logs that are readable by others", async () => {
    // Prepare
    const dataDir = join(await freshParent(), "data");
    const day = join(dataDir, "logs", "dt=2026-01-01");
    await mkdir(day, { recursive: true, mode: 0o755 });
    const id = "k1";
    await writeFile(
      join(dataDir, "keyring.json"),
      JSON.stringify({ active: id, keys: { [id]: randomBytes(32).toString("base64") } }),
    );
    await writeFile(join(dataDir, "admin-key"), `${TEST_ROOT_KEY}\n`);
    await writeFile(join(day, "old-0.ndjson"), "");
    for (const path of [dataDir, join(dataDir, "logs"), day]) await chmod(path, 0o755);
    for (const path of ["keyring.json", "admin-key"]) await chmod(join(dataDir, path), 0o644);
    await chmod(join(day, "old-0.ndjson"), 0o644);

    // Act
    await runOnce(dataDir);

    // Assess
    expect(await modeOf(dataDir)).toBe(0o700);
    expect(await modeOf(join(dataDir, "keyring.json"))).toBe(0o600);
    expect(await modeOf(join(dataDir, "admin-key"))).toBe(0o600);
    expect(await modeOf(join(dataDir, "logs"))).toBe(0o700);
    expect(await modeOf(day)).toBe(0o700);
    expect(await modeOf(join(day, "old-0.ndjson"))).toBe(0o600);
  });
});
