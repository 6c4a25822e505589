import { BadRequestError, GatewayError, InternalError } from "../core/errors";
import { compileConfig } from "./compile";
import { InvalidConfigError } from "./config-schema";
import type { CompiledPlan } from "./plan";
import { LruCache } from "./plan-cache";

/**
 * Port: saved configs (the control plane's `/v1/configs`). `get` resolves the current version of a config by id
 * or slug and throws a `GatewayError` (e.g. `NotFoundError`) when there is none. Implementations should cache
 * in memory with a short TTL; the gateway caches the compiled plan by id + version, so an unchanged version is
 * never re-validated.
 */
export interface ConfigSource {
  /** `workspaceId` scopes the lookup: a config id only ever resolves inside the caller's workspace. */
  get(id: string, workspaceId: string): Promise<{ readonly version: string; readonly raw: unknown }>;
}

export interface PlanResolverOptions {
  readonly configSource?: ConfigSource;
  /** Called once per newly compiled plan (e.g. the SSRF check of its custom hosts); throwing rejects the plan. */
  readonly checkPlan?: (plan: CompiledPlan) => void;
  /** Distinct inline configs and saved config versions kept compiled. */
  readonly capacity: number;
}

/** A saved config id (`pc-...`) or slug. */
const CONFIG_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
/** Base64 (standard or URL-safe) of a JSON object starts with `ey` (`{"`) or `e3` (`{ `...). */
const BASE64_OBJECT = /^e[yw3][A-Za-z0-9+/_-]*={0,2}$/;

function parseInline(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidConfigError(`x-portkey-config is not valid JSON (${(err as Error).message})`, "x-portkey-config");
  }
}

/**
 * Turns an `x-portkey-config` header into a compiled plan: inline JSON (or base64 JSON) is compiled once and
 * cached by the header string; anything else is a saved config id, fetched from the `ConfigSource` and cached by
 * id + version. Invalid configs are not cached (each such request pays the validation again and gets its 400).
 */
export class PlanResolver {
  private readonly inline: LruCache<CompiledPlan>;
  private readonly saved: LruCache<CompiledPlan>;
  /** Plans compiled from saved configs (stored through the admin API), as opposed to inline ones. */
  private readonly fromSaved = new WeakSet<CompiledPlan>();

  constructor(private readonly options: PlanResolverOptions) {
    this.inline = new LruCache(options.capacity);
    this.saved = new LruCache(options.capacity);
  }

  /** True for a plan compiled from a saved config: its custom hosts were stored by an admin, not sent by the client. */
  isSaved(plan: CompiledPlan): boolean {
    return this.fromSaved.has(plan);
  }

  /** Sync fast path for a repeated inline config: one Map lookup. */
  cachedInline(header: string): CompiledPlan | undefined {
    return this.inline.get(header);
  }

  async resolve(header: string, workspaceId: string): Promise<CompiledPlan> {
    const cached = this.inline.get(header);
    if (cached) return cached;
    const text = header.trim();
    if (text.startsWith("{")) return this.compileInline(header, parseInline(text));
    if (BASE64_OBJECT.test(text)) {
      const decoded = Buffer.from(text, "base64").toString("utf8").trim();
      if (decoded.startsWith("{")) return this.compileInline(header, parseInline(decoded));
    }
    if (CONFIG_ID.test(text)) return this.resolveSaved(text, workspaceId);
    throw new InvalidConfigError("x-portkey-config must be a JSON object or a saved config id", "x-portkey-config");
  }

  private compileInline(header: string, raw: unknown): CompiledPlan {
    const plan = this.compile(raw);
    this.inline.set(header, plan);
    return plan;
  }

  private async resolveSaved(id: string, workspaceId: string): Promise<CompiledPlan> {
    const source = this.options.configSource;
    if (!source) {
      throw new BadRequestError(
        `Saved configs are not available on this gateway; send the config inline (got "${id}").`,
        {
          code: "config_source_unavailable",
          param: "x-portkey-config",
        },
      );
    }
    let saved: { readonly version: string; readonly raw: unknown };
    try {
      saved = await source.get(id, workspaceId);
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      throw new InternalError("Could not load the saved config.", { cause: err });
    }
    const key = `${workspaceId}\u0000${id}\u0000${saved.version}`;
    const cached = this.saved.get(key);
    if (cached) return cached;
    const plan = this.compile(saved.raw);
    this.saved.set(key, plan);
    this.fromSaved.add(plan);
    return plan;
  }

  private compile(raw: unknown): CompiledPlan {
    const plan = compileConfig(raw);
    this.options.checkPlan?.(plan);
    return plan;
  }
}
