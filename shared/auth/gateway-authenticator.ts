import { AuthenticationError, PermissionError } from "../core/errors";
import type { Authenticator, CredentialCarrier, Principal, Scope } from "../core/principal";
import { CachedLookup } from "../store/cached-lookup";
import type { ControlStore } from "../store/control-store";
import { type KeyHasher, looksLikeGatewayCredential, parseGatewayKey } from "./gateway-key";
import type { RootKeyMatcher } from "./root-key";

/** Workspace id carried by the root principal: it belongs to no workspace and names one per request. */
export const ROOT_WORKSPACE_ID = "*";
const ROOT_SCOPES: ReadonlySet<Scope> = new Set<Scope>(["admin", "analytics", "logs"]);

export interface GatewayAuthenticatorOptions {
  readonly store: Pick<ControlStore, "getApiKey" | "getWorkspace">;
  readonly keyHasher: () => Promise<KeyHasher>;
  /** Absent: the root admin key is not accepted here (e.g. the gateway function, which has no use for it). */
  readonly rootKey?: RootKeyMatcher;
  /** How long a valid key's principal is reused; also the worst-case revocation latency. Default 30 000. */
  readonly principalTtlMs?: number;
  /** How long an unknown/invalid key is remembered as such. Default 5 000. */
  readonly negativeTtlMs?: number;
  readonly maxEntries?: number;
  readonly now?: () => number;
}

interface CachedPrincipal {
  readonly principal: Principal;
  /** Key expiry in epoch ms, checked on every request even while cached. */
  readonly expiresAtMs?: number;
}
/** An unknown or inactive key. */
type CacheEntry = CachedPrincipal | { readonly principal: undefined };

/** The key a request presents; only its HMAC (`hash`) names the cache entry, the key itself is never stored. */
interface PresentedKey {
  readonly credential: string;
  readonly hasher: KeyHasher;
  readonly hash: string;
}

/**
 * The credential a request carries: `x-portkey-api-key`, else a gateway key in `x-api-key` (where Anthropic's
 * clients put their key), else a Bearer token that is a gateway/root key.
 */
export async function extractCredential(
  headers: Readonly<Record<string, string>>,
  rootKey: RootKeyMatcher | undefined,
): Promise<string | undefined> {
  const explicit = headers["x-portkey-api-key"]?.trim();
  if (explicit) return explicit;
  const apiKey = headers["x-api-key"]?.trim();
  if (apiKey && looksLikeGatewayCredential(apiKey)) return apiKey;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? "")?.[1];
  if (bearer === undefined) return undefined;
  if (looksLikeGatewayCredential(bearer) || (rootKey !== undefined && (await rootKey.matches(bearer)))) return bearer;
  return undefined;
}

/**
 * `Authenticator` for gateway API keys and the root admin key. Principals are cached in memory by the key id the
 * key names and the key's HMAC (never the key) for `principalTtlMs`; a revoked key therefore stops working within
 * that TTL (immediately in the process that revoked it, via `forgetApiKey`, a read still in flight included).
 */
export class GatewayAuthenticator implements Authenticator {
  /** Scoped by the key id (the lookup's "workspace"), keyed by the HMAC of the whole key. */
  private readonly cache: CachedLookup<PresentedKey, CacheEntry>;
  private readonly now: () => number;
  /**
   * Requests identified by `admit` before their body was read, until their `authenticate` takes the answer (once).
   * Held weakly by the request's headers object: a request refused or dropped before that leaves nothing behind.
   */
  private readonly admitted = new WeakMap<object, Promise<Principal>>();

  constructor(private readonly options: GatewayAuthenticatorOptions) {
    this.now = options.now ?? Date.now;
    this.cache = new CachedLookup<PresentedKey, CacheEntry>({
      hitTtlMs: options.principalTtlMs ?? 30_000,
      missTtlMs: options.negativeTtlMs ?? 5_000,
      maxEntries: options.maxEntries ?? 10_000,
      now: this.now,
      keyOf: (presented) => presented.hash,
      isMiss: (entry) => entry.principal === undefined,
      load: (apiKeyId, presented) => this.load(apiKeyId, presented),
    });
  }

  async authenticate(req: CredentialCarrier, requiredScope: Scope): Promise<Principal> {
    const admitted = this.admitted.get(req.headers);
    if (admitted !== undefined) this.admitted.delete(req.headers);
    const principal = await (admitted ?? this.identify(req.headers));
    if (!principal.scopes.has(requiredScope)) {
      throw new PermissionError(`This API key does not have the '${requiredScope}' scope.`, { code: "missing_scope" });
    }
    return principal;
  }

  /**
   * Identifies a request on its headers before its body is read (the local server's check of an upload); that
   * request's `authenticate` then takes this answer instead of identifying it again (one key HMAC and cache lookup
   * per request, not two). The request is authenticated as of its headers' arrival, as a stream is for its length.
   */
  admit(headers: Readonly<Record<string, string>>): Promise<Principal> {
    const identified = this.identify(headers);
    this.admitted.set(headers, identified);
    return identified;
  }

  /** Who the caller is, without a scope check. */
  async identify(headers: Readonly<Record<string, string>>): Promise<Principal> {
    const credential = await extractCredential(headers, this.options.rootKey);
    if (credential === undefined) {
      throw new AuthenticationError("Missing API key: send it in the x-portkey-api-key header.", {
        code: "missing_api_key",
      });
    }
    const parsed = parseGatewayKey(credential);
    if (parsed === undefined) {
      if (this.options.rootKey !== undefined && (await this.options.rootKey.matches(credential)))
        return rootPrincipal();
      throw new AuthenticationError("Invalid API key.");
    }
    const hasher = await this.options.keyHasher();
    const entry = await this.cache.get(parsed.id, { credential, hasher, hash: hasher.hash(credential) });
    if (entry?.principal === undefined) throw new AuthenticationError("Invalid API key.");
    if (entry.expiresAtMs !== undefined && entry.expiresAtMs <= this.now()) {
      throw new AuthenticationError("This API key has expired.", { code: "expired_api_key" });
    }
    return entry.principal;
  }

  /**
   * Drops what is cached about one key, valid or not (call after creating, revoking, re-activating or updating it in
   * this process): a re-activated key works at once instead of staying "invalid" for the negative TTL.
   */
  forgetApiKey(apiKeyId: string): void {
    this.cache.forgetWhere(apiKeyId, () => true);
  }

  private async load(id: string, { credential, hasher }: PresentedKey): Promise<CacheEntry> {
    const record = await this.options.store.getApiKey(id);
    if (record === undefined || record.status !== "active" || !hasher.matches(credential, record.secretHash)) {
      return { principal: undefined };
    }
    const workspace = await this.options.store.getWorkspace(record.workspaceId);
    if (workspace === undefined) return { principal: undefined };
    const defaultConfigId = record.defaults?.configId ?? workspace.defaultConfigSlug;
    const principal: Principal = {
      workspaceId: record.workspaceId,
      apiKeyId: record.id,
      scopes: new Set(record.scopes),
      isRoot: false,
      ...(defaultConfigId === undefined ? {} : { defaultConfigId }),
      ...(record.defaults?.metadata === undefined ? {} : { metadata: record.defaults.metadata }),
      ...(record.usageLimits === undefined ? {} : { usageLimits: record.usageLimits }),
      ...(record.rateLimits === undefined ? {} : { rateLimits: record.rateLimits }),
      ...(workspace.usageLimits === undefined ? {} : { workspaceUsageLimits: workspace.usageLimits }),
      ...(workspace.rateLimits === undefined ? {} : { workspaceRateLimits: workspace.rateLimits }),
      ...(workspace.logBodies === undefined ? {} : { workspaceLogBodies: workspace.logBodies }),
    };
    return record.expiresAt === undefined ? { principal } : { principal, expiresAtMs: record.expiresAt * 1000 };
  }
}

function rootPrincipal(): Principal {
  return { workspaceId: ROOT_WORKSPACE_ID, apiKeyId: "root", scopes: ROOT_SCOPES, isRoot: true };
}
