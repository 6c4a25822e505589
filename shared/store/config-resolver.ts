import { NotFoundError } from "../core/errors";
import type { ControlStore } from "./control-store";
import { TtlCache } from "./ttl-cache";

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
  /** Default 60 000: an updated config takes effect within this time. */
  readonly ttlMs?: number;
  readonly negativeTtlMs?: number;
  readonly maxEntries?: number;
  readonly now?: () => number;
}

type Entry = ResolvedConfig | { readonly missing: true };

/** Gateway side: saved config by id/slug, cached in memory with a TTL; concurrent cold lookups coalesced. */
export class ConfigResolver {
  private readonly cache: TtlCache<string, Entry>;
  private readonly ttlMs: number;
  private readonly negativeTtlMs: number;

  constructor(private readonly options: ConfigResolverOptions) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.negativeTtlMs = options.negativeTtlMs ?? 5_000;
    this.cache = new TtlCache({
      maxEntries: options.maxEntries ?? 2_000,
      ...(options.now ? { now: options.now } : {}),
    });
  }

  async get(workspaceId: string, idOrSlug: string): Promise<ResolvedConfig> {
    const entry = await this.cache.getOrLoad(
      `${workspaceId}\u0000${idOrSlug}`,
      () => this.load(workspaceId, idOrSlug),
      (loaded) => ("missing" in loaded ? this.negativeTtlMs : this.ttlMs),
    );
    if ("missing" in entry) {
      throw new NotFoundError(`Config '${idOrSlug}' not found.`, {
        param: "x-portkey-config",
        code: "config_not_found",
      });
    }
    return entry;
  }

  forget(workspaceId: string, slug: string): void {
    this.cache.delete(`${workspaceId}\u0000${slug}`);
  }

  private async load(workspaceId: string, slug: string): Promise<Entry> {
    const head = await this.options.store.getConfig(workspaceId, slug);
    if (head === undefined || head.status !== "active") return { missing: true };
    return { workspaceId, slug: head.slug, version: head.version, config: JSON.parse(head.configJson) as unknown };
  }
}
