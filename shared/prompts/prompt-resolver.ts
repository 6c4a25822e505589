import { lazyEngine } from "../core/lazy-engine";
import { CachedLookup, LOOKUP_POLICIES, type LookupPolicy } from "../store/cached-lookup";
import type { ControlStore } from "../store/control-store";
import type { PromptContent, SavedPrompt } from "../store/types";
import type { CompiledPartial } from "./partials";
import { parsePromptReference, pickVersion, promptNotFound, splitPartialName } from "./prompt-reference";
import type { CompiledPromptContent } from "./prompt-template";
import type { PartialTemplates } from "./render";

/** The template parser and renderer, loaded with the first prompt a process compiles, not at cold start (ADR 0044). */
const templates = lazyEngine("prompt templates", async () => {
  const [partials, content] = await Promise.all([import("./partials"), import("./prompt-template")]);
  return { ...partials, ...content };
});

/** A prompt version ready to render: looked up in the caller's workspace, compiled once. */
export interface ResolvedPrompt {
  readonly workspaceId: string;
  readonly slug: string;
  readonly promptVersion: number;
  readonly compiled: CompiledPromptContent;
  /** The partials its templates include, resolved in the workspace (empty when it includes none). */
  readonly partials: PartialTemplates;
}

/** Port for the gateway wrapper: a prompt reference (`<id>`, `<id>@latest`, `<id>@12`) in a workspace. */
export interface PromptSource {
  resolve(workspaceId: string, reference: string): Promise<ResolvedPrompt>;
}

export interface PromptResolverOptions {
  readonly store: Pick<ControlStore, "getPrompt" | "getPromptVersion" | "getPartial" | "getPartialVersion">;
  /** Overrides of `LOOKUP_POLICIES.prompt` (a published change reaches other processes within `hitTtlMs`). */
  readonly policy?: Partial<LookupPolicy>;
  readonly now?: () => number;
}

/** One version of one prompt: the head names the prompt's incarnation (a re-created slug has another `createdAt`). */
interface VersionKey {
  readonly head: SavedPrompt;
  readonly promptVersion: number;
}

/**
 * Gateway side: prompt references resolved per workspace. Heads are cached like configs (one entry per prompt, so
 * `<id>` and `<id>@latest` share it); compiled versions are immutable and cached long, so a head whose entry
 * expires, or two references to one version, never parse a template twice. A version newer than the head's latest
 * does not exist yet: 404 without a read.
 */
export class PromptResolver implements PromptSource {
  private readonly heads: CachedLookup<string, SavedPrompt>;
  private readonly versions: CachedLookup<VersionKey, CompiledPromptContent>;
  /** Partials by the name templates use (`<id>`: the published version, `<id>@n`), parsed once per load. */
  private readonly partials: CachedLookup<string, CompiledPartial>;

  constructor(private readonly options: PromptResolverOptions) {
    const now = options.now ? { now: options.now } : {};
    this.heads = new CachedLookup<string, SavedPrompt>({
      ...LOOKUP_POLICIES.prompt,
      ...options.policy,
      load: (workspaceId, slug) => this.loadHead(workspaceId, slug),
      ...now,
    });
    this.versions = new CachedLookup<VersionKey, CompiledPromptContent>({
      ...LOOKUP_POLICIES.promptVersion,
      keyOf: ({ head, promptVersion }) => `${head.slug}\u0000${head.createdAt}\u0000${promptVersion}`,
      load: (workspaceId, key) => this.loadVersion(workspaceId, key),
      ...now,
    });
    this.partials = new CachedLookup<string, CompiledPartial>({
      ...LOOKUP_POLICIES.prompt,
      ...options.policy,
      load: (workspaceId, name) => this.loadPartial(workspaceId, name),
      ...now,
    });
  }

  async resolve(workspaceId: string, reference: string): Promise<ResolvedPrompt> {
    const { slug, ref } = parsePromptReference(reference);
    const head = await this.heads.get(workspaceId, slug);
    if (head === undefined) throw promptNotFound(reference);
    const promptVersion = pickVersion(ref, head);
    if (promptVersion < 1 || promptVersion > head.promptVersion) throw promptNotFound(reference);
    const compiled = await this.versions.get(workspaceId, { head, promptVersion });
    if (compiled === undefined) throw promptNotFound(reference);
    const partials =
      compiled.partials.length === 0
        ? NO_PARTIALS
        : await (await templates.load()).resolvePartials(compiled.partials, (name) =>
            this.partials.get(workspaceId, name),
          );
    return { workspaceId, slug, promptVersion, compiled, partials };
  }

  /** Drops the cached versions of a partial (same process; other processes wait for their TTL). */
  forgetPartial(workspaceId: string, slug: string): void {
    this.partials.forgetWhere(workspaceId, (name) => splitPartialName(name).slug === slug);
  }

  /** Drops the cached head and versions of this prompt (same process; other processes wait for their TTL). */
  forget(workspaceId: string, slug: string): void {
    this.heads.forget(workspaceId, slug);
    this.versions.forgetWhere(workspaceId, (key) => key.startsWith(`${slug}\u0000`));
  }

  private async loadHead(workspaceId: string, slug: string): Promise<SavedPrompt | undefined> {
    const head = await this.options.store.getPrompt(workspaceId, slug);
    return head?.status === "active" ? head : undefined;
  }

  private async loadPartial(workspaceId: string, name: string): Promise<CompiledPartial | undefined> {
    return loadPartial(this.options.store, workspaceId, name);
  }

  /** The head carries its latest version's content; older versions are their own items. */
  private async loadVersion(workspaceId: string, key: VersionKey): Promise<CompiledPromptContent | undefined> {
    const { head, promptVersion } = key;
    const content: PromptContent | undefined =
      promptVersion === head.promptVersion
        ? head
        : await this.options.store.getPromptVersion(workspaceId, head.slug, promptVersion);
    return content === undefined ? undefined : (await templates.load()).compilePromptContent(content);
  }
}

const NO_PARTIALS: PartialTemplates = new Map();

/** A partial by the name a template uses, read from the store and parsed; undefined when it is not (active) there. */
export async function loadPartial(
  store: Pick<ControlStore, "getPartial" | "getPartialVersion">,
  workspaceId: string,
  name: string,
): Promise<CompiledPartial | undefined> {
  const { slug, version } = splitPartialName(name);
  const { compilePartial } = await templates.load();
  const head = await store.getPartial(workspaceId, slug);
  if (head === undefined || head.status !== "active") return undefined;
  const wanted = version ?? head.publishedVersion;
  if (wanted === head.partialVersion) return compilePartial(head.template);
  const snapshot = await store.getPartialVersion(workspaceId, slug, wanted);
  return snapshot === undefined ? undefined : compilePartial(snapshot.template);
}
