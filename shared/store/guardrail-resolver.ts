import { CachedLookup, LOOKUP_POLICIES, type LookupPolicy } from "./cached-lookup";
import type { ControlStore } from "./control-store";

/** A saved guardrail as the gateway uses it: its checks and actions parsed once per load. */
export interface ResolvedGuardrail {
  readonly slug: string;
  /** Changes whenever the guardrail does (re-created slugs included): compiled plans are cached by it. */
  readonly revision: string;
  readonly checks: unknown;
  readonly actions: unknown;
}

export interface GuardrailResolverOptions {
  readonly store: Pick<ControlStore, "getGuardrail">;
  /** Overrides of `LOOKUP_POLICIES.guardrail` (an updated guardrail takes effect within `hitTtlMs`). */
  readonly policy?: Partial<LookupPolicy>;
  readonly now?: () => number;
}

/** Slugs as the admin API creates them; anything else names no guardrail and is never read. */
const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Gateway side: saved guardrails by slug, cached in memory with a TTL like configs; archived ones are absent. */
export class GuardrailResolver {
  private readonly lookup: CachedLookup<string, ResolvedGuardrail>;

  constructor(private readonly options: GuardrailResolverOptions) {
    this.lookup = new CachedLookup<string, ResolvedGuardrail>({
      ...LOOKUP_POLICIES.guardrail,
      ...options.policy,
      load: (workspaceId, slug) => this.load(workspaceId, slug),
      ...(options.now ? { now: options.now } : {}),
    });
  }

  /** The active guardrail with this slug in the workspace, or undefined. */
  get(workspaceId: string, slug: string): Promise<ResolvedGuardrail | undefined> {
    return SLUG.test(slug) ? this.lookup.get(workspaceId, slug) : Promise.resolve(undefined);
  }

  forget(workspaceId: string, slug: string): void {
    this.lookup.forget(workspaceId, slug);
  }

  private async load(workspaceId: string, slug: string): Promise<ResolvedGuardrail | undefined> {
    const head = await this.options.store.getGuardrail(workspaceId, slug);
    if (head === undefined || head.status !== "active") return undefined;
    return {
      slug,
      revision: `${head.createdAt}.${head.version}`,
      checks: JSON.parse(head.checksJson) as unknown,
      actions: JSON.parse(head.actionsJson) as unknown,
    };
  }
}
