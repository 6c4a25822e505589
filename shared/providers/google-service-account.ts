import { createHash, createPrivateKey, type KeyObject, sign } from "node:crypto";
import * as z from "zod";
import { AuthenticationError, BadRequestError, UpstreamUnavailableError } from "../core/errors";
import { knownSecrets } from "../core/known-secrets";
import { type Issued, RenewingCache } from "./renewing-cache";
import type { SideCalls } from "./types";

/**
 * Google service-account auth, as Google's own libraries do it: an RS256 JWT signed with the key file's private key
 * (`iss` the client email, `aud` the key file's `token_uri`, scope cloud-platform), exchanged at that `token_uri`
 * with the JWT-bearer grant (RFC 7523) for an access token. The exchange goes through the shared transport (SSRF
 * guard). Tokens are cached per key file until shortly before they expire, with one exchange in flight per key.
 */
export const CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";
const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const ASSERTION_LIFETIME_S = 3600;
/** A token is renewed this long before it expires (Google's libraries renew 5 minutes early). */
const REFRESH_MARGIN_MS = 5 * 60_000;
const EXCHANGE_TIMEOUT_MS = 10_000;
const MAX_TOKEN_ANSWER_BYTES = 64 * 1024;
const MAX_CACHED_KEYS = 1000;

const keyFileSchema = z.object({
  type: z.literal("service_account").optional(),
  project_id: z.string().min(1).optional(),
  private_key_id: z.string().min(1).optional(),
  private_key: z.string().min(1),
  client_email: z.string().min(3),
  token_uri: z.url({ protocol: /^https?$/ }),
});

export interface ServiceAccount {
  readonly projectId: string | undefined;
  readonly clientEmail: string;
  readonly tokenUri: string;
  readonly keyId: string | undefined;
  readonly privateKey: KeyObject;
  /** sha256 of the key file: the cache key (the key file itself is never kept as a map key). */
  readonly fingerprint: string;
}

function invalidKeyFile(detail: string): BadRequestError {
  return new BadRequestError(`"vertexServiceAccountJson" is not a usable service-account key file: ${detail}.`, {
    param: "vertexServiceAccountJson",
    code: "invalid_provider_option",
  });
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString("base64url");
}

export interface ServiceAccountTokensOptions {
  readonly now?: () => number;
}

/** Parsed key files and their tokens, for one process (built once, at module load). */
export class ServiceAccountTokens {
  private readonly parsed = new Map<string, ServiceAccount>();
  private readonly tokens: RenewingCache<string>;
  private readonly now: () => number;

  constructor(options: ServiceAccountTokensOptions = {}) {
    this.now = options.now ?? Date.now;
    this.tokens = new RenewingCache({ maxEntries: MAX_CACHED_KEYS, renewMarginMs: REFRESH_MARGIN_MS, now: this.now });
  }

  /** The key file parsed and its private key loaded, once per distinct file (400 when it is not one). */
  account(json: string): ServiceAccount {
    const known = this.parsed.get(json);
    if (known) return known;
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      throw invalidKeyFile("not JSON");
    }
    const file = keyFileSchema.safeParse(value);
    if (!file.success) throw invalidKeyFile(`${file.error.issues[0]?.path.join(".") || "shape"} is missing or invalid`);
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey(file.data.private_key);
    } catch {
      throw invalidKeyFile("private_key is not a PEM private key");
    }
    if (privateKey.asymmetricKeyType !== "rsa") throw invalidKeyFile("private_key is not an RSA key");
    // Whatever echoes it later, the request log must not show it.
    knownSecrets.add(json);
    knownSecrets.add(file.data.private_key);
    const account: ServiceAccount = {
      projectId: file.data.project_id,
      clientEmail: file.data.client_email,
      tokenUri: file.data.token_uri,
      keyId: file.data.private_key_id,
      privateKey,
      fingerprint: createHash("sha256").update(json).digest("hex"),
    };
    if (this.parsed.size >= MAX_CACHED_KEYS) this.parsed.clear();
    this.parsed.set(json, account);
    return account;
  }

  /** An access token for the key file: cached, else one exchange shared by every caller that waits for it. */
  async token(account: ServiceAccount, io: SideCalls): Promise<string> {
    return this.tokens.get(account.fingerprint, () => this.exchange(account, io));
  }

  /** The signed JWT-bearer assertion (exported for tests through `assertion`). */
  assertion(account: ServiceAccount, issuedAtS: number): string {
    const header = { alg: "RS256", typ: "JWT", ...(account.keyId ? { kid: account.keyId } : {}) };
    const claims = {
      iss: account.clientEmail,
      scope: CLOUD_PLATFORM_SCOPE,
      aud: account.tokenUri,
      iat: issuedAtS,
      exp: issuedAtS + ASSERTION_LIFETIME_S,
    };
    const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    return `${input}.${base64url(sign("RSA-SHA256", Buffer.from(input), account.privateKey))}`;
  }

  private async exchange(account: ServiceAccount, io: SideCalls): Promise<Issued<string>> {
    const started = this.now();
    const body = new URLSearchParams({
      grant_type: JWT_BEARER_GRANT,
      assertion: this.assertion(account, Math.floor(started / 1000)),
    }).toString();
    // Shared by every waiting request: its own timeout, not one client's signal.
    const answer = await io.send(
      {
        url: account.tokenUri,
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body,
      },
      { maxBytes: MAX_TOKEN_ANSWER_BYTES, signal: AbortSignal.timeout(EXCHANGE_TIMEOUT_MS) },
    );
    const json = readJson(answer.body);
    if (answer.status < 200 || answer.status >= 300) {
      const reason = [json?.error, json?.error_description].filter((v) => typeof v === "string").join(": ");
      const message = `The Google token exchange for ${account.clientEmail} was refused (${answer.status}${reason ? `, ${reason}` : ""}).`;
      if (answer.status >= 500) throw new UpstreamUnavailableError(message, { code: "provider_token_unavailable" });
      throw new AuthenticationError(message, { code: "provider_token_refused" });
    }
    const token = json?.access_token;
    const expiresIn = json?.expires_in;
    if (typeof token !== "string" || !token || typeof expiresIn !== "number" || expiresIn <= 0) {
      throw new UpstreamUnavailableError("The Google token endpoint answered without an access token.", {
        code: "provider_token_unavailable",
      });
    }
    knownSecrets.add(token);
    return { value: token, issuedAt: started, lifetimeMs: expiresIn * 1000 };
  }
}

function readJson(raw: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(raw.toString("utf8"));
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
