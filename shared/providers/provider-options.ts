import { BadRequestError } from "../core/errors";
import { hasControlCharacter, invalidHeaderValue } from "../http/outbound-headers";

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
  strictOpenAiCompliance: "x-portkey-strict-open-ai-compliance",
  vertexProjectId: "x-portkey-vertex-project-id",
  vertexRegion: "x-portkey-vertex-region",
  vertexServiceAccountJson: "x-portkey-vertex-service-account-json",
  awsRoleArn: "x-portkey-aws-role-arn",
  awsExternalId: "x-portkey-aws-external-id",
  workersAiAccountId: "x-portkey-workers-ai-account-id",
};

/**
 * Options that end up in an upstream URL, with the shape they must have: they can never change the host the
 * request goes to (a region of `x@127.0.0.1:9/#` would), nor the path beyond their own segment.
 */
const URL_OPTIONS: Readonly<Record<string, { readonly pattern: RegExp; readonly shape: string }>> = {
  awsRegion: { pattern: /^[a-z]{2}(-[a-z]+)+-\d$/, shape: "an AWS region such as us-east-1" },
  resourceName: {
    pattern: /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?$/,
    shape: "an Azure resource name (letters, digits and hyphens)",
  },
  deploymentId: {
    pattern: /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    shape: "an Azure deployment name (letters, digits, '.', '_' and '-')",
  },
  apiVersion: { pattern: /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/, shape: "an API version such as 2024-10-21" },
  vertexRegion: {
    pattern: /^[a-z]{2,12}(-[a-z]{2,12}\d{0,2}){0,2}$/,
    shape: "a Google Cloud location such as us-central1",
  },
  vertexProjectId: {
    pattern: /^([a-z][a-z0-9.-]{0,62}:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/,
    shape: "a Google Cloud project id such as my-project-123",
  },
  workersAiAccountId: { pattern: /^[0-9a-f]{32}$/, shape: "a Cloudflare account id (32 hex digits)" },
};

/**
 * Options that choose the upstream host, with their config spelling. With a virtual key the host is the one it was
 * created for, so a request (header, config) may not set them next to a virtual key.
 */
const HOST_OPTIONS: Readonly<Record<string, string>> = { resourceName: "resource_name" };

/** The config spelling of the first host-choosing option in `options`, or undefined. */
export function hostOptionIn(options: Readonly<Record<string, unknown>> | undefined): string | undefined {
  if (!options) return undefined;
  for (const key in HOST_OPTIONS) if (options[key] !== undefined) return HOST_OPTIONS[key];
  return undefined;
}

/**
 * Checks one provider option wherever it comes from (header, config, virtual key): no control characters
 * (400 `invalid_header_value`), and the URL-building ones in their documented shape (400 `invalid_provider_option`).
 */
export function checkProviderOption(key: string, value: string, param = key): string {
  if (hasControlCharacter(value)) throw invalidHeaderValue(param);
  const rule = Object.hasOwn(URL_OPTIONS, key) ? URL_OPTIONS[key] : undefined; // never Object.prototype's
  if (rule && !rule.pattern.test(value)) {
    throw new BadRequestError(`"${param}" must be ${rule.shape} (header ${optionHeader(key)}).`, {
      param,
      code: "invalid_provider_option",
    });
  }
  return value;
}

/** True for the option keys the adapters read (the config keys that are provider options, in camelCase). */
export function isProviderOption(key: string): boolean {
  return Object.hasOwn(OPTION_HEADERS, key); // a config key such as `valueOf` is not an option
}

/** Reads the provider option headers (lower-case names), checked. Absent headers are absent keys, never "". */
export function readProviderOptions(headers: Readonly<Record<string, string>>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const key in OPTION_HEADERS) {
    const value = headers[OPTION_HEADERS[key] as string];
    if (value) out[key] = checkProviderOption(key, value);
  }
  return out;
}

/** The header that carries an option, for error messages that tell the user what to send. */
export function optionHeader(key: string): string {
  return (Object.hasOwn(OPTION_HEADERS, key) ? OPTION_HEADERS[key] : undefined) ?? key;
}

/**
 * A virtual key's secret goes only to the host it was created for: a request-chosen custom host or host option
 * next to a virtual key is refused (400 `custom_host_with_virtual_key`) before anything is sent.
 */
export function virtualKeyHostOverride(param: string): BadRequestError {
  return new BadRequestError(
    `"${param}" cannot be given with a virtual key: a virtual key is sent only to the host it was created for (set the host on the virtual key instead).`,
    { param, code: "custom_host_with_virtual_key" },
  );
}
