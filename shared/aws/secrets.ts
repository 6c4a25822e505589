import type { SecretsManagerClient, SecretsManagerClientConfig } from "@aws-sdk/client-secrets-manager";
import type { RootKeySource } from "../auth/root-key";

type SecretsSdk = typeof import("@aws-sdk/client-secrets-manager");

/**
 * The root admin key from Secrets Manager. The secret string is the key itself, or JSON with an `adminKey` field.
 * Fetched on first use and re-read after `ttlMs` (default 5 min) so a rotated secret takes effect without a deploy.
 * The SDK module is loaded and the client created at the first fetch, not at cold start.
 */
export function secretsManagerRootKey(
  clientConfig: SecretsManagerClientConfig,
  secretId: string,
  ttlMs = 300_000,
  now: () => number = Date.now,
): RootKeySource {
  let cached: { value: Promise<string>; fetchedAt: number } | undefined;
  let sdk:
    | Promise<{ client: SecretsManagerClient; GetSecretValueCommand: SecretsSdk["GetSecretValueCommand"] }>
    | undefined;

  async function fetchRootKey(): Promise<string> {
    sdk ??= import("@aws-sdk/client-secrets-manager").then(({ SecretsManagerClient, GetSecretValueCommand }) => ({
      client: new SecretsManagerClient(clientConfig),
      GetSecretValueCommand,
    }));
    const { client, GetSecretValueCommand } = await sdk;
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    const raw = out.SecretString;
    if (raw === undefined || raw === "") throw new Error(`Secret ${secretId} has no string value.`);
    if (!raw.trimStart().startsWith("{")) return raw.trim();
    const parsed: unknown = JSON.parse(raw);
    const adminKey = (parsed as { adminKey?: unknown }).adminKey;
    if (typeof adminKey !== "string" || adminKey === "") throw new Error(`Secret ${secretId} JSON lacks adminKey.`);
    return adminKey;
  }

  return function rootKeyFromSecretsManager(): Promise<string> {
    if (cached === undefined || now() - cached.fetchedAt >= ttlMs) {
      const value = fetchRootKey().catch((err: unknown) => {
        cached = undefined;
        throw err;
      });
      cached = { value, fetchedAt: now() };
    }
    return cached.value;
  };
}
