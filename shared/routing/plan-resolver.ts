import { InvalidConfigError } from "../core/config-error";
import { BadRequestError, GatewayError, InternalError } from "../core/errors";
import { withEngines } from "../core/lazy-engine";
import type { RawHook } from "../guardrails/hook-schema";
import { type SavedGuardrails, savedGuardrailRefs } from "../guardrails/saved-guardrails";
import { configCompiler } from "./compiler-on-demand";
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

/**
 * Port: saved guardrails (the control plane's `/v1/guardrails`) of a workspace, cached by the implementation.
 * `revision` changes whenever the guardrail does; undefined: no such active guardrail in the workspace.
 */
export interface GuardrailSource {
  get(workspaceId: string, slug: string): Promise<{ readonly revision: string; readonly hook: RawHook } | undefined>;
}

export interface PlanResolverOptions {
  readonly configSource?: ConfigSource;
  readonly guardrailSource?: GuardrailSource;
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
  /** Configs (by header, or by saved id + version) that name saved guardrails: never cached by themselves. */
  private readonly referencing: LruCache<{ readonly raw: unknown; readonly refs: readonly string[] }>;
  /** Plans of those configs, by config and the revisions of the guardrails they were compiled with. */
  private readonly withGuardrails: LruCache<CompiledPlan>;

  constructor(private readonly options: PlanResolverOptions) {
    this.inline = new LruCache(options.capacity);
    this.saved = new LruCache(options.capacity);
    this.referencing = new LruCache(options.capacity);
    this.withGuardrails = new LruCache(options.capacity);
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
    const referencing = this.referencing.get(header);
    if (referencing) return this.compileWithGuardrails(header, referencing.raw, referencing.refs, workspaceId);
    const text = header.trim();
    if (text.startsWith("{")) return this.compileInline(header, parseInline(text), workspaceId);
    if (BASE64_OBJECT.test(text)) {
      const decoded = Buffer.from(text, "base64").toString("utf8").trim();
      if (decoded.startsWith("{")) return this.compileInline(header, parseInline(decoded), workspaceId);
    }
    if (CONFIG_ID.test(text)) return this.resolveSaved(text, workspaceId);
    throw new InvalidConfigError("x-portkey-config must be a JSON object or a saved config id", "x-portkey-config");
  }

  private async compileInline(header: string, raw: unknown, workspaceId: string): Promise<CompiledPlan> {
    const refs = savedGuardrailRefs(raw);
    if (refs.length > 0) {
      this.referencing.set(header, { raw, refs });
      return this.compileWithGuardrails(header, raw, refs, workspaceId);
    }
    const plan = await this.compile(raw);
    this.inline.set(header, plan);
    return plan;
  }

  /**
   * A config naming saved guardrails: they are read (from memory when warm) on every request, and the plan is
   * cached by the config and their revisions, so an updated guardrail applies within its lookup TTL and a deleted
   * one makes the config a 400 (never skipped).
   */
  private async compileWithGuardrails(
    configKey: string,
    raw: unknown,
    refs: readonly string[],
    workspaceId: string,
  ): Promise<CompiledPlan> {
    const source = this.options.guardrailSource;
    let found: ({ readonly revision: string; readonly hook: RawHook } | undefined)[];
    try {
      found = await Promise.all(refs.map((ref) => source?.get(workspaceId, ref)));
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      throw new InternalError("Could not load the saved guardrails.", { cause: err });
    }
    const saved = new Map<string, RawHook>();
    let key = `${workspaceId}\u0000${configKey}`;
    refs.forEach((ref, i) => {
      const guardrail = found[i];
      if (guardrail) saved.set(ref, guardrail.hook);
      key += `\u0000${guardrail?.revision ?? "-"}`;
    });
    const cached = this.withGuardrails.get(key);
    if (cached) return cached;
    const plan = await this.compile(raw, saved);
    this.withGuardrails.set(key, plan);
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
    let referencing = this.referencing.get(key);
    if (!referencing) {
      const refs = savedGuardrailRefs(saved.raw);
      if (refs.length > 0) {
        referencing = { raw: saved.raw, refs };
        this.referencing.set(key, referencing);
      }
    }
    if (referencing) {
      const plan = await this.compileWithGuardrails(key, referencing.raw, referencing.refs, workspaceId);
      this.fromSaved.add(plan);
      return plan;
    }
    const plan = await this.compile(saved.raw);
    this.saved.set(key, plan);
    this.fromSaved.add(plan);
    return plan;
  }

  /** Compiles a config, loading the engines its patterns and schemas need on first use (ADR 0041). */
  private async compile(raw: unknown, savedGuardrails?: SavedGuardrails): Promise<CompiledPlan> {
    const plan = await withEngines(() => configCompiler().compileConfig(raw, savedGuardrails));
    this.options.checkPlan?.(plan);
    return plan;
  }
}
