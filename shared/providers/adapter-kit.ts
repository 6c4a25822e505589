import { AuthenticationError, BadRequestError, UpstreamUnavailableError } from "../core/errors";
import { checkProviderOption, optionHeader } from "./provider-options";
import type { TransformContext } from "./types";

/** Small helpers shared by the translating adapters, so each adapter file stays about its wire format. */

export function requireKey(ctx: TransformContext, provider: string): string {
  const key = ctx.target.apiKey;
  if (!key) {
    throw new AuthenticationError(
      `No API key for provider ${provider}: send it as "Authorization: Bearer ..." or use a virtual key.`,
      { code: "missing_provider_key" },
    );
  }
  return key;
}

/**
 * A provider option (from a virtual key, a config target or a header); missing is a 400 naming the header, and so
 * is a value that could change the URL beyond its own segment (`checkProviderOption`).
 */
export function requireOption(ctx: TransformContext, key: string, provider: string): string {
  const value = ctx.target.options?.[key];
  if (!value) {
    throw new BadRequestError(`Provider ${provider} needs "${key}" (header ${optionHeader(key)}).`, {
      param: key,
      code: "missing_provider_option",
    });
  }
  return checkProviderOption(key, value);
}

/**
 * A custom host as a base URL, as Portkey's gateway reads it: the host (without a trailing slash) replaces the
 * provider's base URL, and `suffix` is the part of the provider's URL that Portkey writes in its endpoint path
 * rather than its base URL (`/v1beta` for google, `/v1` for together-ai), so the gateway adds it. A host that
 * already ends with it (this gateway's former meaning: the base URL with its version) does not get it twice.
 */
export function customHostBase(host: string, suffix = ""): string {
  const trimmed = host.endsWith("/") ? host.slice(0, -1) : host;
  return suffix && !trimmed.endsWith(suffix) ? trimmed + suffix : trimmed;
}

/**
 * Base URL of a provider: the custom host when given (`customHostBase`, with the provider's `customHostSuffix`),
 * else the default. docs/providers.md, "Custom hosts", lists each provider's suffix.
 */
export function baseUrl(ctx: TransformContext, defaultUrl: string, customHostSuffix = ""): string {
  const custom = ctx.target.customHost;
  return custom ? customHostBase(custom, customHostSuffix) : defaultUrl;
}

/** A 2xx body that is not the JSON object the provider documents is the upstream's fault: 502, not 500. */
export function parseUpstreamJson(raw: Buffer, provider: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString("utf8"));
  } catch {
    value = undefined;
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new UpstreamUnavailableError(`Provider ${provider} answered with a body that is not a JSON object.`, {
      code: "invalid_upstream_response",
    });
  }
  return value as Record<string, unknown>;
}

/** `stream_options.include_usage` of an OpenAI request. */
export function wantsUsage(body: Readonly<Record<string, unknown>>): boolean {
  const options = body.stream_options;
  return (
    typeof options === "object" && options !== null && (options as { include_usage?: unknown }).include_usage === true
  );
}

export function requestedModel(body: Readonly<Record<string, unknown>>): string {
  return typeof body.model === "string" ? body.model : "";
}
