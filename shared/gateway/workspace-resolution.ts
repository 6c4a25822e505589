import { BadRequestError } from "../core/errors";
import { lazyEngine } from "../core/lazy-engine";
import type { RawHook } from "../guardrails/hook-schema";
import { savedGuardrailHook } from "../guardrails/saved-guardrails";
import type { HostGuard } from "../http/host-guard";
import { readProviderOptions, virtualKeyHostOverride } from "../providers/provider-options";
import type { ProviderTarget } from "../providers/types";
import type { ConfigSource, GuardrailSource } from "../routing/plan-resolver";
import type { ResolvedVirtualKey, VirtualKeySummary } from "../store/virtual-key-resolver";
import type { VirtualKeyResolver } from "./leaf-target";
import type { PortkeyHeaders } from "./portkey-headers";

/** A decrypted virtual key as the control plane resolves it. */
export type ResolvedKey = Pick<ResolvedVirtualKey, "provider" | "secret" | "options" | "usageLimits" | "rateLimits">;

/** Port: the control plane's gateway-side lookups, scoped by workspace and cached in memory by the plane. */
export interface WorkspaceLookups {
  readonly virtualKeys: {
    resolve(workspaceId: string, slug: string): Promise<ResolvedKey>;
    /** The workspace's active virtual keys (slug, provider), cached like `resolve`: the model catalog's input. */
    list(workspaceId: string): Promise<readonly VirtualKeySummary[]>;
  };
  readonly configs: { get(workspaceId: string, idOrSlug: string): Promise<{ version: number; config: unknown }> };
  /** Saved guardrails named by configs; undefined: no such active guardrail in the workspace. */
  readonly guardrails?: {
    get(workspaceId: string, slug: string): Promise<StoredGuardrail | undefined>;
  };
}

/** A virtual key as a provider target: its credential, provider fields and custom host (SSRF-checked). */
export function virtualKeyTarget(key: ResolvedKey, guard: HostGuard): Omit<ProviderTarget, "forwardHeaders"> {
  const { customHost, ...options } = key.options;
  if (customHost) guard.checkUrl(customHost);
  const { apiKey, ...credentials } = key.secret;
  return {
    provider: key.provider,
    apiKey,
    customHost,
    options: { ...options, ...credentials } as Readonly<Record<string, string | undefined>>,
  };
}

/** The per-request virtual key resolver for routing: bound to the caller's workspace. */
export function workspaceVirtualKeys(
  lookups: WorkspaceLookups,
  workspaceId: string,
  guard: HostGuard,
): VirtualKeyResolver {
  return {
    resolve: async (slug) => ({
      ...virtualKeyTarget(await lookups.virtualKeys.resolve(workspaceId, slug), guard),
      virtualKey: slug,
    }),
  };
}

/** Saved configs for the plan resolver, read through the control plane (cached there with a short TTL). */
export function configSourceFor(lookups: WorkspaceLookups): ConfigSource {
  return {
    get: async (id, workspaceId) => {
      const saved = await lookups.configs.get(workspaceId, id);
      return { version: String(saved.version), raw: saved.config };
    },
  };
}

type StoredGuardrail = { readonly revision: string; readonly checks: unknown; readonly actions: unknown };

/** The saved guardrails' schemas (zod), loaded with the first one a process reads, not at cold start (ADR 0044). */
const savedGuardrailSchemas = lazyEngine(
  "saved guardrail schemas",
  () => import("../guardrails/saved-guardrail-schemas"),
);

/**
 * Saved guardrails for the plan resolver: the stored checks and actions as the hook a config reference names.
 * Each stored object (the same one while the lookup caches it) is turned into its hook once.
 */
export function guardrailSourceFor(lookups: WorkspaceLookups): GuardrailSource | undefined {
  const guardrails = lookups.guardrails;
  if (guardrails === undefined) return undefined;
  const hooks = new WeakMap<StoredGuardrail, { readonly revision: string; readonly hook: RawHook }>();
  return {
    get: async (workspaceId, slug) => {
      const found = await guardrails.get(workspaceId, slug);
      if (found === undefined) return undefined;
      let resolved = hooks.get(found);
      if (resolved === undefined) {
        // Validated when saved; parsed again so the hook's type is checked, not assumed.
        const { guardrailActionsSchema, guardrailChecksSchema } = await savedGuardrailSchemas.load();
        const checks = guardrailChecksSchema.parse(found.checks);
        const actions = guardrailActionsSchema.parse(found.actions);
        resolved = { revision: found.revision, hook: savedGuardrailHook(slug, checks, actions) };
        hooks.set(found, resolved);
      }
      return resolved;
    },
  };
}

/** `model: "@<virtual-key-slug>/<model>"`: the slug and the model to send upstream, or undefined. */
export function splitVirtualKeyModel(model: unknown): { slug: string; model: string } | undefined {
  if (typeof model !== "string" || !model.startsWith("@")) return undefined;
  const slash = model.indexOf("/");
  if (slash <= 1 || slash === model.length - 1) {
    throw new BadRequestError(`model "${model}" must look like "@<virtual-key>/<model>".`, {
      param: "model",
      code: "invalid_model",
    });
  }
  return { slug: model.slice(1, slash), model: model.slice(slash + 1) };
}

/** The target named by headers alone: `x-portkey-virtual-key`, else `x-portkey-provider` + Bearer key. */
export async function headerTarget(
  headers: PortkeyHeaders,
  rawHeaders: Readonly<Record<string, string>>,
  guard: HostGuard,
  virtualKeys: VirtualKeyResolver | undefined,
  modelSlug: string | undefined,
): Promise<ProviderTarget> {
  const slug = headers.virtualKey ?? modelSlug;
  if (slug && virtualKeys) {
    // The virtual key's secret goes only to the host it was created for, never to one the request names.
    if (headers.customHost) throw virtualKeyHostOverride("x-portkey-custom-host");
    const resolved = await virtualKeys.resolve(slug);
    // not `{ ...resolved, forwardHeaders }`: a spread followed by a new key is a slow path on Node 20
    return Object.assign({}, resolved, { forwardHeaders: headers.forwardHeaders });
  }
  if (!headers.provider) {
    throw new BadRequestError(
      "No provider: send x-portkey-provider (with the provider key as Authorization: Bearer), x-portkey-virtual-key, x-portkey-config, or a model like @<virtual-key>/<model>.",
      { param: "x-portkey-provider", code: "missing_provider" },
    );
  }
  if (headers.customHost) guard.checkUrl(headers.customHost);
  return {
    provider: headers.provider,
    apiKey: headers.bearer,
    customHost: headers.customHost,
    options: readProviderOptions(rawHeaders),
    forwardHeaders: headers.forwardHeaders,
  };
}
