import { GatewayError } from "../core/errors";

/** What a secret is bound to: decrypting under any other context fails. */
export interface CipherContext {
  readonly workspace: string;
  readonly virtualKey: string;
}

/**
 * Port: envelope for virtual-key secrets. AWS: KMS with encryption context; local: AES-256-GCM keyring with the
 * context as additional authenticated data. Ciphertexts are opaque strings prefixed with their scheme.
 */
export interface SecretCipher {
  encrypt(plaintext: string, context: CipherContext): Promise<string>;
  decrypt(ciphertext: string, context: CipherContext): Promise<string>;
}

/** A stored secret could not be decrypted (wrong context, tampered, unknown key). Never exposes details. */
export class SecretDecryptionError extends GatewayError {
  constructor(options: { cause?: unknown } = {}) {
    super(500, "gateway_internal_error", "A stored secret could not be decrypted.", {
      code: "secret_unreadable",
      ...options,
    });
  }
}

/** Canonical, unambiguous encoding of a context (used as AAD by the local keyring). */
export function encodeContext(context: CipherContext): Buffer {
  return Buffer.from(JSON.stringify(["workspace", context.workspace, "virtualKey", context.virtualKey]), "utf8");
}
