import { chmod, mkdir, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { LOCAL_ADMIN_KEY_FILE } from "../shared/auth/root-key";
import { KEYRING_FILE } from "../shared/crypto/local-keyring-cipher";

/**
 * The local data directory holds the key ring, the root admin key, the control-plane tables and request logs with
 * bodies. Only the user running the gateway may read it: the directory is created 0700, and on every start modes
 * wider than 0700 (directories) or 0600 (the key ring, the admin key, log files) are tightened, so data left by an
 * older version or a copy is covered too. New log files are written 0600 (`ndjson-file-sink.ts`).
 */
const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

/** chmod to `mode` when the current mode grants anything beyond it; a missing path is fine. */
async function tighten(path: string, mode: number): Promise<void> {
  let current: number;
  try {
    current = (await stat(path)).mode & 0o777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  if ((current & ~mode) !== 0) await chmod(path, mode);
}

/** Every directory and file under `root`, tightened (directories 0700, files 0600). */
async function tightenTree(root: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(root, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  await tighten(root, PRIVATE_DIR);
  for (const entry of entries) {
    const path = join(root, entry);
    await tighten(path, (await stat(path)).isDirectory() ? PRIVATE_DIR : PRIVATE_FILE);
  }
}

/** Creates `dataDir` (0700) or tightens it and its secrets and logs; call before anything writes there. */
export async function secureDataDir(dataDir: string): Promise<void> {
  if (process.platform === "win32") return; // POSIX modes only
  await mkdir(dataDir, { recursive: true, mode: PRIVATE_DIR });
  await tighten(dataDir, PRIVATE_DIR);
  await tighten(join(dataDir, KEYRING_FILE), PRIVATE_FILE);
  await tighten(join(dataDir, LOCAL_ADMIN_KEY_FILE), PRIVATE_FILE);
  await tighten(join(dataDir, "dynamodb"), PRIVATE_DIR);
  await tightenTree(join(dataDir, "logs"));
}
