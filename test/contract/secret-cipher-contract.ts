import { describe, expect, it } from "vitest";
import { type SecretCipher, SecretDecryptionError } from "../../shared/crypto/secret-cipher";

/** One behaviour contract for every `SecretCipher` (local keyring, KMS on moto). */
export function runSecretCipherContract(name: string, newCipher: () => Promise<SecretCipher>): void {
  describe(`SecretCipher contract: ${name}`, () => {
    const secret = "sk-live-0123456789abcdefghijklmnopqrstuvwxyz";
    const home = { workspace: "ws-a", virtualKey: "openai-prod" };

    it("round-trips a secret under the same context and never shows the plaintext in the ciphertext", async () => {
      // Prepare
      const cipher = await newCipher();
      // Act
      const sealed = await cipher.encrypt(secret, home);
      // Assess
      expect(sealed).not.toContain(secret);
      expect(sealed).not.toContain(Buffer.from(secret).toString("base64"));
      expect(await cipher.decrypt(sealed, home)).toBe(secret);
    });

    it("refuses a ciphertext moved to another workspace's item", async () => {
      // Prepare
      const cipher = await newCipher();
      const sealed = await cipher.encrypt(secret, home);
      // Act
      const moved = cipher.decrypt(sealed, { workspace: "ws-b", virtualKey: "openai-prod" });
      // Assess
      await expect(moved).rejects.toBeInstanceOf(SecretDecryptionError);
    });

    it("refuses a ciphertext moved to another virtual key of the same workspace", async () => {
      // Prepare
      const cipher = await newCipher();
      const sealed = await cipher.encrypt(secret, home);
      // Act
      const moved = cipher.decrypt(sealed, { workspace: "ws-a", virtualKey: "openai-dev" });
      // Assess
      await expect(moved).rejects.toBeInstanceOf(SecretDecryptionError);
    });

    it("refuses garbage and truncated ciphertexts with the gateway's error, not a crash", async () => {
      // Prepare
      const cipher = await newCipher();
      const sealed = await cipher.encrypt(secret, home);
      // Act + Assess
      await expect(cipher.decrypt("garbage", home)).rejects.toBeInstanceOf(SecretDecryptionError);
      await expect(cipher.decrypt(sealed.slice(0, sealed.length - 8), home)).rejects.toBeInstanceOf(
        SecretDecryptionError,
      );
    });

    it("produces a different ciphertext each time for the same secret", async () => {
      // Prepare
      const cipher = await newCipher();
      // Act
      const [a, b] = await Promise.all([cipher.encrypt(secret, home), cipher.encrypt(secret, home)]);
      // Assess
      expect(a).not.toBe(b);
    });
  });
}
