import type { KeyHasher } from "../auth/gateway-key";
import type { Authenticator, Principal } from "../core/principal";
import type { SecretCipher } from "../crypto/secret-cipher";
import type { SavedGuardrails } from "../guardrails/saved-guardrails";
import type { RouteInput } from "../http/api-route";
import type { CoreRequest, CoreResponse } from "../http/types";
import type { BudgetScope } from "../limits/limit-types";
import type { UsageSnapshot } from "../limits/usage-ledger";
import type { ControlStore } from "../store/control-store";

/**
 * Injected config validation (the routing schema lives elsewhere); `path` is a JSON path inside the config.
 * `savedGuardrails`: the saved guardrails of the config's workspace that it names (absent ones are left out).
 */
export type ConfigValidationResult = { ok: true } | { ok: false; message: string; path: string };
export type ConfigValidator = (
  value: unknown,
  savedGuardrails?: SavedGuardrails,
) => ConfigValidationResult | Promise<ConfigValidationResult>;

/** Minimal default: a config must be a JSON object. The routing module supplies the real schema. */
export function validateConfigIsObject(value: unknown): ConfigValidationResult {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) return { ok: true };
  return { ok: false, message: "config must be a JSON object.", path: "" };
}

/** Called after a successful write so in-process caches (authenticator, resolvers) drop stale entries at once. */
export interface ChangeListener {
  apiKeyChanged?(apiKeyId: string): void;
  virtualKeyChanged?(workspaceId: string, slug: string): void;
  configChanged?(workspaceId: string, slug: string): void;
  promptChanged?(workspaceId: string, slug: string): void;
  guardrailChanged?(workspaceId: string, slug: string): void;
  partialChanged?(workspaceId: string, slug: string): void;
}

export interface AdminLogger {
  error(message: string, details: Record<string, unknown>): void;
}

export interface AdminCoreDeps {
  readonly store: ControlStore;
  readonly cipher: SecretCipher;
  readonly authenticator: Authenticator;
  readonly keyHasher: () => Promise<KeyHasher>;
  readonly validateConfig: ConfigValidator;
  readonly now?: () => number;
  readonly onChange?: ChangeListener;
  readonly logger?: AdminLogger;
  /** Budget counters (the gateway's ledger), for `GET .../usage`. Absent: those routes answer 501. */
  readonly usage?: UsageReader;
}

/** Reads the current period's spend of one budget (see shared/limits/usage-ledger.ts). */
export interface UsageReader {
  current(scope: BudgetScope): Promise<UsageSnapshot>;
}

/** What every admin handler receives besides its validated input. */
export interface AdminContext {
  readonly req: CoreRequest;
  readonly principal: Principal;
  readonly deps: AdminCoreDeps;
  readonly now: () => number;
}

/**
 * What a route handler receives: `body` and `query` as its route's schemas output them (see admin-api.ts), and the
 * path parameters, percent-decoded, in the order of the route's `{name}` segments.
 */
export type RouteContext<B = unknown, Q = unknown> = AdminContext & RouteInput<Q, B>;

export type RouteHandler = (ctx: RouteContext) => Promise<CoreResponse>;
