import { randomBytes } from "node:crypto";
import type { SecretCipher } from "../crypto/secret-cipher";
import type { ControlStore } from "../store/control-store";
import { KeyHasher } from "./gateway-key";

/**
 * The API-key pepper: 32 random bytes created on first use, stored in the table only encrypted by the deployment's
 * `SecretCipher` (KMS in AWS, the keyring locally). A table dump alone therefore cannot verify guessed keys.
 * One decrypt per cold start; every function sharing the table and key derives the same hashes.
 */
export const PEPPER_NAME = "api-key-pepper";
const PEPPER_CONTEXT = { workspace: "_system", virtualKey: PEPPER_NAME } as const;

export async function loadKeyHasher(
  store: Pick<ControlStore, "getOrCreateSystemValue">,
  cipher: SecretCipher,
): Promise<KeyHasher> {
  const sealed = await store.getOrCreateSystemValue(PEPPER_NAME, () =>
    cipher.encrypt(randomBytes(32).toString("base64"), PEPPER_CONTEXT),
  );
  return new KeyHasher(Buffer.from(await cipher.decrypt(sealed, PEPPER_CONTEXT), "base64"));
}

/** Memoises `loadKeyHasher`; a failed load is retried on the next call. */
export function lazyKeyHasher(
  store: Pick<ControlStore, "getOrCreateSystemValue">,
  cipher: SecretCipher,
): () => Promise<KeyHasher> {
  let pending: Promise<KeyHasher> | undefined;
  return function getKeyHasher(): Promise<KeyHasher> {
    pending ??= loadKeyHasher(store, cipher).catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}
