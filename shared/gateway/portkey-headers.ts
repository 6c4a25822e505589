import { randomUUID } from "node:crypto";
import { carriesGatewayCredential, looksLikeGatewayCredential } from "../auth/gateway-key";
import type { EndpointSpec } from "../core/endpoints";
import { BadRequestError } from "../core/errors";
import { HOP_BY_HOP, hasControlCharacter, invalidHeaderValue } from "../http/outbound-headers";
import { checkProviderOption } from "../providers/provider-options";

/** The `x-portkey-*` request headers, read once per request. */
export interface PortkeyHeaders {
  readonly traceId: string;
  readonly provider?: string;
  readonly customHost?: string;
  readonly config?: string;
  readonly virtualKey?: string;
  readonly requestTimeoutMs?: number;
  readonly metadata: Readonly<Record<string, string>>;
  /** Header values the client asked to forward upstream (names from `x-portkey-forward-headers`). */
  readonly forwardHeaders?: Readonly<Record<string, string>>;
  readonly cacheForceRefresh: boolean;
  readonly cacheNamespace?: string;
  /**
   * Provider credential from `Authorization: Bearer ...` (when it is not a gateway key); on an Anthropic API row
   * also from `x-api-key`, which wins.
   */
  readonly bearer?: string;
  /** Anthropic API rows: the credential may name one of the workspace's virtual keys (it has a slug's shape). */
  readonly credentialSlug?: string;
  /** Anthropic API rows: provider options the client's own headers set (`anthropic-version`, `anthropic-beta`). */
  readonly apiOptions?: Readonly<Record<string, string>>;
}

/** A virtual key slug's shape (shared/admin/request-helpers.ts): only such a credential is looked up as one. */
const SLUG_SHAPE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

const MAX_TRACE_ID = 256;
export function readPortkeyHeaders(
  headers: Readonly<Record<string, string>>,
  api?: EndpointSpec["api"],
): PortkeyHeaders {
  const traceHeader = headers["x-portkey-trace-id"];
  if (traceHeader !== undefined && (traceHeader.length === 0 || traceHeader.length > MAX_TRACE_ID)) {
    throw new BadRequestError(`x-portkey-trace-id must be 1 to ${MAX_TRACE_ID} characters.`, {
      param: "x-portkey-trace-id",
    });
  }
  const bearer = readBearer(headers.authorization);
  const common = {
    traceId: traceHeader ?? randomUUID(),
    provider: headers["x-portkey-provider"] || undefined,
    customHost: headers["x-portkey-custom-host"] || undefined,
    config: headers["x-portkey-config"] || undefined,
    virtualKey: headers["x-portkey-virtual-key"] || undefined,
    requestTimeoutMs: readTimeout(headers["x-portkey-request-timeout"]),
    metadata: readMetadata(headers["x-portkey-metadata"]),
    forwardHeaders: readForwardHeaders(headers),
    cacheForceRefresh: headers["x-portkey-cache-force-refresh"] === "true",
    cacheNamespace: headers["x-portkey-cache-namespace"] || undefined,
    bearer,
  };
  return api === "anthropic" ? anthropicClientHeaders(common, headers) : common;
}

/**
 * What Anthropic's clients send (docs/anthropic-messages.md): the credential in `x-api-key` (else
 * `Authorization: Bearer`), a provider key or a virtual key's slug; `anthropic-version` and `anthropic-beta` as
 * provider options; `anthropic` when no provider is named.
 */
function anthropicClientHeaders(common: PortkeyHeaders, headers: Readonly<Record<string, string>>): PortkeyHeaders {
  const apiKey = headers["x-api-key"]?.trim();
  const credential = apiKey && !looksLikeGatewayCredential(apiKey) ? apiKey : common.bearer;
  const apiOptions: Record<string, string> = {};
  const version = headers["anthropic-version"];
  if (version) apiOptions.anthropicVersion = checkProviderOption("anthropicVersion", version, "anthropic-version");
  const beta = headers["anthropic-beta"];
  if (beta) apiOptions.anthropicBeta = checkProviderOption("anthropicBeta", beta, "anthropic-beta");
  return {
    ...common,
    provider: common.provider ?? "anthropic",
    bearer: credential,
    credentialSlug: credential && SLUG_SHAPE.test(credential) ? credential : undefined,
    apiOptions,
  };
}

function readBearer(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(value);
  const token = match?.[1]?.trim();
  // A gateway key in Authorization authenticates the caller; it is never a provider key and never goes upstream.
  if (!token || looksLikeGatewayCredential(token)) return undefined;
  return token;
}

function readTimeout(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms <= 0 || ms > 3_600_000) {
    throw new BadRequestError("x-portkey-request-timeout must be a whole number of milliseconds (1..3600000).", {
      param: "x-portkey-request-timeout",
    });
  }
  return ms;
}

function readMetadata(value: string | undefined): Record<string, string> {
  if (value === undefined || value === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new BadRequestError("x-portkey-metadata must be a JSON object.", { param: "x-portkey-metadata" });
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new BadRequestError("x-portkey-metadata must be a JSON object.", { param: "x-portkey-metadata" });
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (v === null || v === undefined) continue;
    out[k] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return out;
}

function readForwardHeaders(headers: Readonly<Record<string, string>>): Record<string, string> | undefined {
  const list = headers["x-portkey-forward-headers"];
  if (!list) return undefined;
  return pickForwardHeaders(list.split(","), headers);
}

/** Names listed in the request's `Connection` header: hop-by-hop for this connection only (RFC 9110 7.6.1). */
function connectionTokens(headers: Readonly<Record<string, string>>): Set<string> | undefined {
  const value = headers.connection;
  return value ? new Set(value.split(",").map((t) => t.trim().toLowerCase())) : undefined;
}

/**
 * The values of the named request headers that may be forwarded upstream. Never forwarded, whatever the client
 * or a config asks (dropped, not refused): hop-by-hop headers (and names listed in `Connection`), `x-portkey-*`
 * headers, and any value that carries a gateway or root key (e.g. `Authorization: Bearer pk-gw-...`). A value
 * with a control character is a 400 `invalid_header_value`.
 */
export function pickForwardHeaders(
  names: readonly string[],
  headers: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  let listed: Set<string> | undefined | null = null;
  for (const raw of names) {
    const name = raw.trim().toLowerCase();
    if (!name || HOP_BY_HOP.has(name) || name.startsWith("x-portkey-")) continue;
    const value = headers[name];
    if (value === undefined || carriesGatewayCredential(value)) continue;
    if (listed === null) listed = connectionTokens(headers);
    if (listed?.has(name)) continue;
    if (hasControlCharacter(value)) throw invalidHeaderValue(name);
    out[name] = value;
  }
  return out;
}
