import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as z from "zod";
import { type CipherContext, encodeContext, type SecretCipher, SecretDecryptionError } from "./secret-cipher";

/**
 * Local-runtime cipher: AES-256-GCM with keys from a keyring file (`<dataDir>/keyring.json`, mode 0600).
 * Ciphertext: `lk1.<keyId>.<base64url(iv[12] | tag[16] | ciphertext)>`, the context bound as AAD. New secrets use
 * the active key; old ones keep decrypting with theirs, so `rotateLocalKeyring` never breaks stored data.
 */
export const KEYRING_FILE = "keyring.json";
const SCHEME = "lk1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

const keyringSchema = z.object({
  active: z.string().regex(/^[a-z0-9]+$/),
  keys: z.record(z.string(), z.string()),
});
export type KeyringFile = z.infer<typeof keyringSchema>;

function newKeyId(): string {
  return `k${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
}

async function writeKeyring(path: string, keyring: KeyringFile, flag: "wx" | "w"): Promise<void> {
  await writeFile(path, `${JSON.stringify(keyring, null, 2)}\n`, { mode: 0o600, flag });
}

async function readKeyring(path: string): Promise<KeyringFile> {
  if (process.platform !== "win32") {
    const { mode } = await stat(path);
    if ((mode & 0o077) !== 0) {
      throw new Error(`Keyring ${path} is readable by other users (mode ${(mode & 0o777).toString(8)}); chmod 600 it.`);
    }
  }
  return keyringSchema.parse(JSON.parse(await readFile(path, "utf8")));
}

/** Reads the keyring under `dataDir`, creating it (one fresh 256-bit key, mode 0600) when absent. */
export async function loadOrCreateKeyring(dataDir: string): Promise<KeyringFile> {
  const path = join(dataDir, KEYRING_FILE);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const id = newKeyId();
  const fresh: KeyringFile = { active: id, keys: { [id]: randomBytes(32).toString("base64") } };
  try {
    await writeKeyring(path, fresh, "wx");
    return fresh;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    return readKeyring(path);
  }
}

/** Adds a new key and makes it active; returns its id. Restart (or rebuild the cipher) to pick it up. */
export async function rotateLocalKeyring(dataDir: string): Promise<string> {
  const path = join(dataDir, KEYRING_FILE);
  const keyring = await loadOrCreateKeyring(dataDir);
  const id = newKeyId();
  await writeKeyring(path, { active: id, keys: { ...keyring.keys, [id]: randomBytes(32).toString("base64") } }, "w");
  return id;
}

export class LocalKeyringCipher implements SecretCipher {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly activeId: string;

  constructor(keyring: KeyringFile) {
    const keys = new Map<string, Buffer>();
    for (const [id, material] of Object.entries(keyring.keys)) {
      const key = Buffer.from(material, "base64");
      if (key.length !== 32) throw new Error(`Keyring key ${id} is not 256 bits.`);
      keys.set(id, key);
    }
    if (!keys.has(keyring.active)) throw new Error(`Keyring active key ${keyring.active} is missing.`);
    this.keys = keys;
    this.activeId = keyring.active;
  }

  static async fromDataDir(dataDir: string): Promise<LocalKeyringCipher> {
    return new LocalKeyringCipher(await loadOrCreateKeyring(dataDir));
  }

  async encrypt(plaintext: string, context: CipherContext): Promise<string> {
    const key = this.keys.get(this.activeId)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    cipher.setAAD(encodeContext(context));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const sealed = Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
    return `${SCHEME}.${this.activeId}.${sealed}`;
  }

  async decrypt(ciphertext: string, context: CipherContext): Promise<string> {
    const [scheme, keyId, sealed, ...rest] = ciphertext.split(".");
    const key = keyId === undefined ? undefined : this.keys.get(keyId);
    if (scheme !== SCHEME || key === undefined || sealed === undefined || rest.length > 0) {
      throw new SecretDecryptionError();
    }
    const raw = Buffer.from(sealed, "base64url");
    if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretDecryptionError();
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(encodeContext(context));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
    } catch (err) {
      throw new SecretDecryptionError({ cause: err });
    }
  }
}
