/**
 * Provider settings sent as request headers, with Portkey's header names, read into `ProviderTarget.options`.
 * Keys are the names the adapters (and saved configs / virtual keys) use.
 */
const OPTION_HEADERS: Readonly<Record<string, string>> = {
  resourceName: "x-portkey-azure-resource-name",
  deploymentId: "x-portkey-azure-deployment-id",
  apiVersion: "x-portkey-azure-api-version",
  awsRegion: "x-portkey-aws-region",
  awsAccessKeyId: "x-portkey-aws-access-key-id",
  awsSecretAccessKey: "x-portkey-aws-secret-access-key",
  awsSessionToken: "x-portkey-aws-session-token",
  anthropicVersion: "x-portkey-anthropic-version",
  anthropicBeta: "x-portkey-anthropic-beta",
};

/** Reads the provider option headers (lower-case names). Absent headers are absent keys, never "". */
export function readProviderOptions(headers: Readonly<Record<string, string>>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const key in OPTION_HEADERS) {
    const value = headers[OPTION_HEADERS[key] as string];
    if (value) out[key] = value;
  }
  return out;
}

/** The header that carries an option, for error messages that tell the user what to send. */
export function optionHeader(key: string): string {
  return OPTION_HEADERS[key] ?? key;
}
