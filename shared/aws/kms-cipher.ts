import type { KMSClient, KMSClientConfig } from "@aws-sdk/client-kms";
import { type CipherContext, type SecretCipher, SecretDecryptionError } from "../crypto/secret-cipher";

/**
 * `SecretCipher` on KMS: `Encrypt`/`Decrypt` with encryption context `{workspace, virtualKey}`, so a ciphertext
 * copied into another workspace's (or key's) item does not decrypt. Ciphertext: `kms1.<base64 CiphertextBlob>`.
 * Decrypt names the key id too, so a blob from a foreign key is refused rather than decrypted with that key.
 */
const SCHEME = "kms1";

type KmsSdk = typeof import("@aws-sdk/client-kms");
let kmsSdk: Promise<KmsSdk> | undefined;
/** The KMS client module, loaded at the first encrypt or decrypt rather than at cold start (ADR 0039). */
function loadKmsSdk(): Promise<KmsSdk> {
  kmsSdk ??= import("@aws-sdk/client-kms");
  return kmsSdk;
}

export class KmsCipher implements SecretCipher {
  private client: Promise<KMSClient> | undefined;

  /** `client`: a client, or the config of one to create at the first use (the functions pass a config). */
  constructor(
    private readonly clientSource: KMSClient | { readonly config: KMSClientConfig },
    private readonly keyId: string,
  ) {}

  private async sdk(): Promise<{ client: KMSClient; sdk: KmsSdk }> {
    const sdk = await loadKmsSdk();
    const source = this.clientSource;
    this.client ??= Promise.resolve("send" in source ? source : new sdk.KMSClient(source.config));
    return { client: await this.client, sdk };
  }

  async encrypt(plaintext: string, context: CipherContext): Promise<string> {
    const { client, sdk } = await this.sdk();
    const out = await client.send(
      new sdk.EncryptCommand({
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
      const { client, sdk } = await this.sdk();
      const out = await client.send(
        new sdk.DecryptCommand({
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
