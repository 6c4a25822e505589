import { NotFoundError } from "../core/errors";
import { CachedLookup, LOOKUP_POLICIES, type LookupPolicy } from "./cached-lookup";
import type { ControlStore } from "./control-store";

/** A saved config as stored: the integrator validates/compiles it once per `(slug, version)`. */
export interface ResolvedConfig {
  readonly workspaceId: string;
  readonly slug: string;
  readonly version: number;
  /** Parsed JSON (the object that passed validation when it was saved). */
  readonly config: unknown;
}

export interface ConfigResolverOptions {
  readonly store: Pick<ControlStore, "getConfig">;
  /** Overrides of `LOOKUP_POLICIES.config` (an updated config takes effect within `hitTtlMs`). */
  readonly policy?: Partial<LookupPolicy>;
  readonly now?: () => number;
}

/** Gateway side: saved config by id/slug, cached in memory with a TTL; concurrent cold lookups coalesced. */
export class ConfigResolver {
  private readonly lookup: CachedLookup<string, ResolvedConfig>;

  constructor(private readonly options: ConfigResolverOptions) {
    this.lookup = new CachedLookup<string, ResolvedConfig>({
      ...LOOKUP_POLICIES.config,
      ...options.policy,
      load: (workspaceId, slug) => this.load(workspaceId, slug),
      ...(options.now ? { now: options.now } : {}),
    });
  }

  async get(workspaceId: string, idOrSlug: string): Promise<ResolvedConfig> {
    const config = await this.lookup.get(workspaceId, idOrSlug);
    if (config === undefined) {
      throw new NotFoundError(`Config '${idOrSlug}' not found.`, {
        param: "x-portkey-config",
        code: "config_not_found",
      });
    }
    return config;
  }

  forget(workspaceId: string, slug: string): void {
    this.lookup.forget(workspaceId, slug);
  }

  private async load(workspaceId: string, slug: string): Promise<ResolvedConfig | undefined> {
    const head = await this.options.store.getConfig(workspaceId, slug);
    if (head === undefined || head.status !== "active") return undefined;
    return { workspaceId, slug: head.slug, version: head.version, config: JSON.parse(head.configJson) as unknown };
  }
}
