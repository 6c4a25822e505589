import { DecryptCommand, EncryptCommand, type KMSClient } from "@aws-sdk/client-kms";
import { type CipherContext, type SecretCipher, SecretDecryptionError } from "../crypto/secret-cipher";

/**
 * `SecretCipher` on KMS: `Encrypt`/`Decrypt` with encryption context `{workspace, virtualKey}`, so a ciphertext
 * copied into another workspace's (or key's) item does not decrypt. Ciphertext: `kms1.<base64 CiphertextBlob>`.
 * Decrypt names the key id too, so a blob from a foreign key is refused rather than decrypted with that key.
 */
const SCHEME = "kms1";

export class KmsCipher implements SecretCipher {
  constructor(
    private readonly client: KMSClient,
    private readonly keyId: string,
  ) {}

  async encrypt(plaintext: string, context: CipherContext): Promise<string> {
    const out = await this.client.send(
      new EncryptCommand({
        KeyId: this.keyId,
        Plaintext: Buffer.from(plaintext, "utf8"),
        EncryptionContext: { workspace: context.workspace, virtualKey: context.virtualKey },
      }),
    );
    if (out.CiphertextBlob === undefined) throw new Error("KMS Encrypt returned no ciphertext.");
    return `${SCHEME}.${Buffer.from(out.CiphertextBlob).toString("base64")}`;
  }

  async decrypt(ciphertext: string, context: CipherContext): Promise<string> {
    const [scheme, blob, ...rest] = ciphertext.split(".");
    if (scheme !== SCHEME || blob === undefined || rest.length > 0) throw new SecretDecryptionError();
    try {
      const out = await this.client.send(
        new DecryptCommand({
          KeyId: this.keyId,
          CiphertextBlob: Buffer.from(blob, "base64"),
          EncryptionContext: { workspace: context.workspace, virtualKey: context.virtualKey },
        }),
      );
      if (out.Plaintext === undefined) throw new Error("KMS Decrypt returned no plaintext.");
      return Buffer.from(out.Plaintext).toString("utf8");
    } catch (err) {
      if (err instanceof Error && /InvalidCiphertext|IncorrectKey|AccessDenied/.test(err.name)) {
        throw new SecretDecryptionError({ cause: err });
      }
      throw err;
    }
  }
}
