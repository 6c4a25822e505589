import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  KEYRING_FILE,
  LocalKeyringCipher,
  loadOrCreateKeyring,
  rotateLocalKeyring,
} from "../../shared/crypto/local-keyring-cipher";
import { runSecretCipherContract } from "../contract/secret-cipher-contract";

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "gw-keyring-"));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

runSecretCipherContract("local AES-256-GCM keyring", async () => LocalKeyringCipher.fromDataDir(await tempDir()));

describe("local keyring file", () => {
  const context = { workspace: "ws-a", virtualKey: "vk" };

  it("is created once with mode 0600 and reused on the next start", async () => {
    // Prepare
    const dir = await tempDir();
    // Act
    const first = await loadOrCreateKeyring(dir);
    const second = await loadOrCreateKeyring(dir);
    // Assess
    expect(second).toEqual(first);
    expect((await stat(join(dir, KEYRING_FILE))).mode & 0o777).toBe(0o600);
    const sealed = await new LocalKeyringCipher(first).encrypt("s3cret", context);
    expect(await new LocalKeyringCipher(second).decrypt(sealed, context)).toBe("s3cret");
  });

  it("keeps old ciphertexts readable after rotation and seals new ones with the new key", async () => {
    // Prepare
    const dir = await tempDir();
    const before = await LocalKeyringCipher.fromDataDir(dir);
    const old = await before.encrypt("old-secret", context);
    // Act
    const newId = await rotateLocalKeyring(dir);
    const after = await LocalKeyringCipher.fromDataDir(dir);
    const fresh = await after.encrypt("new-secret", context);
    // Assess
    expect(await after.decrypt(old, context)).toBe("old-secret");
    expect(fresh.split(".")[1]).toBe(newId);
    expect(old.split(".")[1]).not.toBe(newId);
    await expect(before.decrypt(fresh, context)).rejects.toThrow(/could not be decrypted/);
  });

  it("refuses to load a keyring other users can read", async () => {
    // Prepare
    const dir = await tempDir();
    const keyring = await loadOrCreateKeyring(dir);
    await rm(join(dir, KEYRING_FILE));
    await writeFile(join(dir, KEYRING_FILE), JSON.stringify(keyring), { mode: 0o644 });
    // Act + Assess
    await expect(loadOrCreateKeyring(dir)).rejects.toThrow(/readable by other users/);
    expect(JSON.parse(await readFile(join(dir, KEYRING_FILE), "utf8"))).toEqual(keyring);
  });
});
