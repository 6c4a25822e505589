import type { ControlStore } from "../store/control-store";
import { TtlCache } from "../store/ttl-cache";
import type { PromptContent } from "../store/types";
import { parsePromptReference, pickVersion, promptNotFound } from "./prompt-reference";
import { type CompiledPromptContent, compilePromptContent } from "./prompt-template";

/** A prompt version ready to render: looked up in the caller's workspace, compiled once. */
export interface ResolvedPrompt {
  readonly workspaceId: string;
  readonly slug: string;
  readonly promptVersion: number;
  readonly compiled: CompiledPromptContent;
}

/** Port for the gateway wrapper: a prompt reference (`<id>`, `<id>@latest`, `<id>@12`) in a workspace. */
export interface PromptSource {
  resolve(workspaceId: string, reference: string): Promise<ResolvedPrompt>;
}

export interface PromptResolverOptions {
  readonly store: Pick<ControlStore, "getPrompt" | "getPromptVersion">;
  /** Default 60 000: a published change takes effect in other processes within this time (as for configs). */
  readonly ttlMs?: number;
  readonly negativeTtlMs?: number;
  readonly maxEntries?: number;
  readonly now?: () => number;
}

type Entry = ResolvedPrompt | { readonly missing: true };

/** Compiled versions are immutable; kept long (keyed by the prompt's creation time, so a re-created slug differs). */
const COMPILED_TTL_MS = 3_600_000;

/**
 * Gateway side: prompt references resolved per workspace and cached in memory with a TTL (concurrent cold lookups
 * coalesced). Compiled templates are cached per prompt version, so a reference whose entry expires, or two
 * references to one version (`<id>` and `<id>@latest`), never parse a template twice.
 */
export class PromptResolver implements PromptSource {
  private readonly refs: TtlCache<string, Entry>;
  private readonly compiled: TtlCache<string, CompiledPromptContent>;
  private readonly ttlMs: number;
  private readonly negativeTtlMs: number;

  constructor(private readonly options: PromptResolverOptions) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.negativeTtlMs = options.negativeTtlMs ?? 5_000;
    const cacheOptions = { maxEntries: options.maxEntries ?? 2_000, ...(options.now ? { now: options.now } : {}) };
    this.refs = new TtlCache(cacheOptions);
    this.compiled = new TtlCache(cacheOptions);
  }

  async resolve(workspaceId: string, reference: string): Promise<ResolvedPrompt> {
    const entry = await this.refs.getOrLoad(
      `${workspaceId}\u0000${reference}`,
      () => this.load(workspaceId, reference),
      (loaded) => ("missing" in loaded ? this.negativeTtlMs : this.ttlMs),
    );
    if ("missing" in entry) throw promptNotFound(reference);
    return entry;
  }

  /** Drops every cached reference to this prompt (same process; other processes wait for their TTL). */
  forget(workspaceId: string, slug: string): void {
    const prefix = `${workspaceId}\u0000${slug}`;
    const mine = (_: unknown, key: string) => key === prefix || key.startsWith(`${prefix}@`);
    this.refs.deleteWhere(mine);
    this.compiled.deleteWhere((_, key) => key.startsWith(`${prefix}\u0000`));
  }

  private async load(workspaceId: string, reference: string): Promise<Entry> {
    const { slug, ref } = parsePromptReference(reference);
    const head = await this.options.store.getPrompt(workspaceId, slug);
    if (head === undefined || head.status !== "active") return { missing: true };
    const promptVersion = pickVersion(ref, head);
    const content: PromptContent | undefined =
      promptVersion === head.promptVersion
        ? head
        : await this.options.store.getPromptVersion(workspaceId, slug, promptVersion);
    if (content === undefined) return { missing: true };
    const key = `${workspaceId}\u0000${slug}\u0000${head.createdAt}\u0000${promptVersion}`;
    let compiled = this.compiled.get(key);
    if (compiled === undefined) {
      compiled = compilePromptContent(content);
      this.compiled.set(key, compiled, COMPILED_TTL_MS);
    }
    return { workspaceId, slug, promptVersion, compiled };
  }
}
