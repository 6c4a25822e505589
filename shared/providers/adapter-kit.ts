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

/** Base URL of a provider: the custom host when given (without a trailing slash), else the default. */
export function baseUrl(ctx: TransformContext, defaultUrl: string): string {
  const custom = ctx.target.customHost;
  if (!custom) return defaultUrl;
  return custom.endsWith("/") ? custom.slice(0, -1) : custom;
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
