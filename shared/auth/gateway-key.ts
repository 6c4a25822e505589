import { createHmac, createSecretKey, type KeyObject, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Gateway API key format: `pk-gw-<id>.<secret>`, where `id` is 16 hex chars (public, the key's id) and `secret` is
 * 32 random bytes in base64url (43 chars). Anything else in `Authorization: Bearer` is a provider key.
 * The root admin key generated locally looks like `pk-root-<43 chars>`.
 * Stored: HMAC-SHA256(pepper, whole key) in hex, and a display prefix (`pk-gw-<id>.` + 4 secret chars).
 */
export const GATEWAY_KEY_PREFIX = "pk-gw-";
export const ROOT_KEY_PREFIX = "pk-root-";
const GATEWAY_KEY_PATTERN = /^pk-gw-([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;

export interface NewGatewayKey {
  readonly id: string;
  /** The full secret key: shown to the caller once, never stored. */
  readonly key: string;
  readonly displayPrefix: string;
}

export function generateGatewayKey(): NewGatewayKey {
  const id = randomBytes(8).toString("hex");
  const secret = randomBytes(32).toString("base64url");
  return {
    id,
    key: `${GATEWAY_KEY_PREFIX}${id}.${secret}`,
    displayPrefix: `${GATEWAY_KEY_PREFIX}${id}.${secret.slice(0, 4)}`,
  };
}

export function generateRootKey(): string {
  return `${ROOT_KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
}

/** The key id when `value` is well-formed, else undefined. */
export function parseGatewayKey(value: string): { id: string } | undefined {
  const match = GATEWAY_KEY_PATTERN.exec(value);
  return match?.[1] === undefined ? undefined : { id: match[1] };
}

export function looksLikeGatewayCredential(value: string): boolean {
  return value.startsWith(GATEWAY_KEY_PREFIX) || value.startsWith(ROOT_KEY_PREFIX);
}

/** True when a header value holds a gateway or root key anywhere (e.g. `Bearer pk-gw-...`, a cookie). */
export function carriesGatewayCredential(value: string): boolean {
  return value.includes(GATEWAY_KEY_PREFIX) || value.includes(ROOT_KEY_PREFIX);
}

export function maskGatewayKey(displayPrefix: string): string {
  return `${displayPrefix}****`;
}

/** HMAC-SHA256 with a server-side pepper; comparisons are constant-time over equal-length digests. */
export class KeyHasher {
  /** The pepper as a KeyObject once: `createHmac` with raw bytes imports them as a key on every call. */
  private readonly key: KeyObject;

  constructor(pepper: Buffer) {
    if (pepper.length < 32) throw new Error("The API-key pepper must be at least 32 bytes.");
    this.key = createSecretKey(pepper);
  }

  hash(key: string): string {
    return createHmac("sha256", this.key).update(key, "utf8").digest("hex");
  }

  matches(key: string, storedHash: string): boolean {
    const expected = Buffer.from(storedHash, "hex");
    const actual = createHmac("sha256", this.key).update(key, "utf8").digest();
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }
}
