import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { knownSecrets } from "../core/known-secrets";
import { generateRootKey } from "./gateway-key";

/** Local runtime: env var holding the root admin key; when unset, one is generated under the data directory. */
export const LOCAL_ADMIN_KEY_ENV = "GATEWAY_ADMIN_KEY";
export const LOCAL_ADMIN_KEY_FILE = "admin-key";

/** Where the root admin key comes from (Secrets Manager in AWS, env/file locally). May cache. */
export type RootKeySource = () => Promise<string>;

/**
 * Compares candidates to the root admin key in constant time: both sides go through HMAC with a per-process random
 * key, so the comparison is over equal-length digests whatever the candidate's length.
 */
export class RootKeyMatcher {
  private readonly hmacKey = randomBytes(32);

  constructor(private readonly source: RootKeySource) {}

  private digest(value: string): Buffer {
    return createHmac("sha256", this.hmacKey).update(value, "utf8").digest();
  }

  async matches(candidate: string): Promise<boolean> {
    const rootKey = await this.source();
    if (rootKey === "") throw new Error("The root admin key is empty.");
    knownSecrets.add(rootKey); // whatever its shape, never logged
    return timingSafeEqual(this.digest(candidate), this.digest(rootKey));
  }
}

export function staticRootKey(key: string): RootKeySource {
  if (key.length < 16) throw new Error("The root admin key must be at least 16 characters.");
  return async function rootKeyFromValue(): Promise<string> {
    return key;
  };
}

/**
 * Local root admin key: `GATEWAY_ADMIN_KEY` when set; else `<dataDir>/admin-key` (mode 0600), created with a fresh
 * `pk-root-...` key on first start. `created` tells the caller to print the key once.
 */
export async function loadOrCreateLocalAdminKey(
  dataDir: string,
  env: NodeJS.ProcessEnv,
): Promise<{ key: string; created: boolean }> {
  const fromEnv = env[LOCAL_ADMIN_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return { key: fromEnv, created: false };
  const path = join(dataDir, LOCAL_ADMIN_KEY_FILE);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const key = generateRootKey();
  try {
    await writeFile(path, `${key}\n`, { mode: 0o600, flag: "wx" });
    return { key, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    const stored = (await readFile(path, "utf8")).trim();
    if (stored === "") throw new Error(`${path} is empty; delete it to generate a new root admin key.`);
    return { key: stored, created: false };
  }
}
