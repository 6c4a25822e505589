/** What an authenticated caller is allowed to touch. Every core receives one per request. */
export type Scope = "completions" | "admin" | "analytics" | "logs";

export interface Principal {
  /** The workspace every object the caller reads or writes must belong to. */
  readonly workspaceId: string;
  /** Id (never the secret) of the gateway API key used; "root" for the root admin key. */
  readonly apiKeyId: string;
  readonly scopes: ReadonlySet<Scope>;
  /** The root admin key may act across workspaces (admin API only). */
  readonly isRoot: boolean;
  /** Saved config id applied when a request names none. */
  readonly defaultConfigId?: string;
  /** Metadata merged under the request's `x-portkey-metadata`. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** The key's `usage_limits` / `rate_limits` as stored (validated by the admin API; parsed by the gateway). */
  readonly usageLimits?: unknown;
  readonly rateLimits?: unknown;
  /** The workspace's own budget and rate limits (every key of the workspace counts against them). */
  readonly workspaceUsageLimits?: unknown;
  readonly workspaceRateLimits?: unknown;
  /** The workspace's `log_bodies`: `false` turns body logging off for its requests. */
  readonly workspaceLogBodies?: boolean;
}

/** What an authenticator reads of a request (a `CoreRequest` is one): its lower-case headers. */
export interface CredentialCarrier {
  readonly headers: Readonly<Record<string, string>>;
}

/** Port: turns request headers into a principal or throws `AuthenticationError` (401) / `PermissionError` (403). */
export interface Authenticator {
  authenticate(req: CredentialCarrier, requiredScope: Scope): Promise<Principal>;
}
