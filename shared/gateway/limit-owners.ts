import { BadRequestError } from "../core/errors";
import { EngineNotLoadedError, lazyEngine, withEngines } from "../core/lazy-engine";
import type { Principal } from "../core/principal";
import type { LimitedOwner, RateLimitRule, UsageLimit } from "../limits/limit-types";
import type { CompiledPlan, LeafNode } from "../routing/plan";
import type { PortkeyHeaders } from "./portkey-headers";
import type { WorkspaceLookups } from "./workspace-resolution";

/**
 * Whose budgets and rate limits a request counts against: the workspace, the API key, and every virtual key the request may
 * use (the header's or `@slug` model's, and each config target's). Stored limits are parsed once per stored
 * object (the control plane's caches hand out the same object until its TTL), never per request. The schemas (zod)
 * load with the first stored limit a process parses, not at cold start (ADR 0044).
 */
const limitSchemas = lazyEngine("limit schemas", () => import("../limits/limit-schemas"));

type Parser<T> = {
  safeParse(raw: unknown): { success: true; data: readonly T[] } | { success: false };
};

/** Parses stored limits once per stored object; an invalid stored value is a clear 400, never a silent pass. */
function parsedOnce<T>(
  field: string,
  schemaOf: () => Parser<T>,
): (raw: unknown, where: string) => readonly T[] | undefined {
  const memo = new WeakMap<object, readonly T[]>();
  return (raw, where) => {
    if (raw === undefined || raw === null || typeof raw !== "object") return undefined;
    let parsed = memo.get(raw);
    if (!parsed) {
      const result = schemaOf().safeParse(raw);
      if (!result.success)
        throw new BadRequestError(`The ${field} of ${where} are invalid; fix them in the admin API.`);
      parsed = result.data;
      memo.set(raw, parsed);
    }
    return parsed.length ? parsed : undefined;
  };
}

const usageOf = parsedOnce<UsageLimit>("usage_limits", () => limitSchemas.get().UsageLimitsSchema);
const rateOf = parsedOnce<RateLimitRule>("rate_limits", () => limitSchemas.get().RateLimitsSchema);

/** The owners `build` finds, loading the limit schemas first if it meets a stored limit before they are loaded. */
async function ownersWithLimits(build: () => (LimitedOwner | undefined)[]): Promise<LimitedOwner[]> {
  const found = (): LimitedOwner[] => build().filter((o): o is LimitedOwner => o !== undefined);
  try {
    return found(); // no stored limit, or the schemas already loaded: no await
  } catch (err) {
    if (!(err instanceof EngineNotLoadedError)) throw err;
    return withEngines(found);
  }
}

function owner(
  base: Omit<LimitedOwner, "usageLimits" | "rateLimits">,
  usage: unknown,
  rate: unknown,
): LimitedOwner | undefined {
  const where = `${base.kind} ${base.id}`;
  const usageLimits = usageOf(usage, where);
  const rateLimits = rateOf(rate, where);
  if (!usageLimits && !rateLimits) return undefined;
  return { ...base, ...(usageLimits ? { usageLimits } : {}), ...(rateLimits ? { rateLimits } : {}) };
}

export interface OwnedKeys {
  readonly owners: LimitedOwner[];
  /** Provider of each virtual key looked up (for budget candidates). */
  readonly providerOf: ReadonlyMap<string, string>;
}

export async function limitOwners(
  principal: Principal | undefined,
  slugs: ReadonlySet<string>,
  lookups: WorkspaceLookups | undefined,
): Promise<OwnedKeys> {
  const providerOf = new Map<string, string>();
  if (!principal) return { owners: [], providerOf };
  const ws = principal.workspaceId;
  const owners = await ownersWithLimits(() => [
    owner(
      { workspaceId: ws, kind: "workspace", id: ws },
      principal.workspaceUsageLimits,
      principal.workspaceRateLimits,
    ),
    owner({ workspaceId: ws, kind: "api_key", id: principal.apiKeyId }, principal.usageLimits, principal.rateLimits),
  ]);
  if (lookups && slugs.size) {
    const resolved = await Promise.all(
      [...slugs].map(async (slug) => [slug, await lookups.virtualKeys.resolve(ws, slug)] as const),
    );
    for (const [slug, key] of resolved) providerOf.set(slug, key.provider);
    const vkOwners = await ownersWithLimits(() =>
      resolved.map(([slug, key]) =>
        owner({ workspaceId: ws, kind: "virtual_key", id: slug }, key.usageLimits, key.rateLimits),
      ),
    );
    owners.push(...vkOwners);
  }
  return { owners, providerOf };
}

/**
 * Every provider/model the plan may call, so the reservation covers the most expensive one. A leaf's model is its
 * `override_params.model` or the request's; its provider is its own, its virtual key's, or the headers'.
 */
export function budgetCandidates(
  plan: CompiledPlan,
  headers: PortkeyHeaders,
  headerSlug: string | undefined,
  providerOf: ReadonlyMap<string, string>,
  body: Readonly<Record<string, unknown>>,
): { provider: string; model: string }[] {
  const headerProvider = (headerSlug ? providerOf.get(headerSlug) : undefined) ?? headers.provider;
  const out: { provider: string; model: string }[] = [];
  const leaves = plan.leaves.length ? plan.leaves : [plan.root as LeafNode];
  for (const leaf of leaves) {
    const provider = leaf.provider ?? (leaf.virtualKey ? providerOf.get(leaf.virtualKey) : undefined) ?? headerProvider;
    const model = leaf.overrideParams?.model ?? body.model;
    if (provider && typeof model === "string") out.push({ provider, model });
  }
  return out;
}
