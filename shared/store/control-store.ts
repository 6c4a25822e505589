import type {
  ApiKeyRecord,
  Page,
  PageRequest,
  PromptPartial,
  PromptPartialVersion,
  PromptVersionRecord,
  SavedConfig,
  SavedConfigVersion,
  SavedGuardrail,
  SavedGuardrailVersion,
  SavedPrompt,
  SlugKind,
  VirtualKeyRecord,
  Workspace,
} from "./types";

/**
 * Port: the control plane's repository. Implementations use single-item conditional writes only.
 *
 * Contract (checked by test/contract/control-store-contract.ts against every adapter):
 * - `create*` throws `ConflictError` when the id/slug is taken.
 * - `replace*` writes `next` only if the stored item has `version === expectedVersion`; the stored version becomes
 *   `expectedVersion + 1` (the adapter sets it and `updatedAt`). Missing item -> `NotFoundError`; another version ->
 *   `ConflictError`. Concurrent replaces with the same expected version: exactly one wins.
 * - `get*` returns `undefined` for missing items and for items whose `expiresAt` has passed (TTL is lazy).
 * - lists are ordered (workspaces and API keys by creation, virtual keys, configs and prompts by slug, prompt
 *   versions by number) and paginated with an opaque cursor; a cursor from another list is a `BadRequestError`.
 */
export interface ControlStore {
  createWorkspace(workspace: Workspace): Promise<Workspace>;
  getWorkspace(id: string): Promise<Workspace | undefined>;
  listWorkspaces(page: PageRequest): Promise<Page<Workspace>>;
  replaceWorkspace(next: Workspace, expectedVersion: number): Promise<Workspace>;
  deleteWorkspace(id: string): Promise<void>;
  /** True when the workspace still owns API keys, virtual keys, configs or prompts. */
  workspaceHasChildren(id: string): Promise<boolean>;

  createApiKey(key: ApiKeyRecord): Promise<ApiKeyRecord>;
  getApiKey(id: string): Promise<ApiKeyRecord | undefined>;
  listApiKeys(workspaceId: string, page: PageRequest): Promise<Page<ApiKeyRecord>>;
  replaceApiKey(next: ApiKeyRecord, expectedVersion: number): Promise<ApiKeyRecord>;
  deleteApiKey(id: string): Promise<void>;

  createVirtualKey(key: VirtualKeyRecord): Promise<VirtualKeyRecord>;
  getVirtualKey(workspaceId: string, slug: string): Promise<VirtualKeyRecord | undefined>;
  listVirtualKeys(workspaceId: string, page: PageRequest): Promise<Page<VirtualKeyRecord>>;
  replaceVirtualKey(next: VirtualKeyRecord, expectedVersion: number): Promise<VirtualKeyRecord>;
  deleteVirtualKey(workspaceId: string, slug: string): Promise<void>;

  /** Writes the head (version 1) and its first immutable version item. */
  createConfig(config: SavedConfig): Promise<SavedConfig>;
  getConfig(workspaceId: string, slug: string): Promise<SavedConfig | undefined>;
  getConfigVersion(workspaceId: string, slug: string, version: number): Promise<SavedConfigVersion | undefined>;
  listConfigs(workspaceId: string, page: PageRequest): Promise<Page<SavedConfig>>;
  /** Conditional head update, then the new immutable version item (history may miss a version after a crash). */
  replaceConfig(next: SavedConfig, expectedVersion: number): Promise<SavedConfig>;
  deleteConfig(workspaceId: string, slug: string): Promise<void>;

  /** Writes the head and the immutable item of its first content version (`promptVersion`, normally 1). */
  createPrompt(prompt: SavedPrompt): Promise<SavedPrompt>;
  getPrompt(workspaceId: string, slug: string): Promise<SavedPrompt | undefined>;
  getPromptVersion(workspaceId: string, slug: string, promptVersion: number): Promise<PromptVersionRecord | undefined>;
  listPrompts(workspaceId: string, page: PageRequest): Promise<Page<SavedPrompt>>;
  /** A prompt's content versions, oldest first (history may miss a version after a crash, as for configs). */
  listPromptVersions(workspaceId: string, slug: string, page: PageRequest): Promise<Page<PromptVersionRecord>>;
  /**
   * Conditional head update (`version` as for every entity), then the immutable item of `next.promptVersion` if it
   * does not exist yet (so publishing, which keeps `promptVersion`, writes no new version).
   */
  replacePrompt(next: SavedPrompt, expectedVersion: number): Promise<SavedPrompt>;
  /** Deletes the head and its version items, so a later prompt with the same slug starts a clean version line. */
  deletePrompt(workspaceId: string, slug: string): Promise<void>;

  /** Saved guardrails: a head and immutable versions, exactly as configs. */
  createGuardrail(guardrail: SavedGuardrail): Promise<SavedGuardrail>;
  getGuardrail(workspaceId: string, slug: string): Promise<SavedGuardrail | undefined>;
  getGuardrailVersion(workspaceId: string, slug: string, version: number): Promise<SavedGuardrailVersion | undefined>;
  listGuardrails(workspaceId: string, page: PageRequest): Promise<Page<SavedGuardrail>>;
  replaceGuardrail(next: SavedGuardrail, expectedVersion: number): Promise<SavedGuardrail>;
  deleteGuardrail(workspaceId: string, slug: string): Promise<void>;

  /** Prompt partials: a head and immutable versions, exactly as prompts (publishing writes no version). */
  createPartial(partial: PromptPartial): Promise<PromptPartial>;
  getPartial(workspaceId: string, slug: string): Promise<PromptPartial | undefined>;
  getPartialVersion(workspaceId: string, slug: string, version: number): Promise<PromptPartialVersion | undefined>;
  listPartials(workspaceId: string, page: PageRequest): Promise<Page<PromptPartial>>;
  listPartialVersions(workspaceId: string, slug: string, page: PageRequest): Promise<Page<PromptPartialVersion>>;
  replacePartial(next: PromptPartial, expectedVersion: number): Promise<PromptPartial>;
  deletePartial(workspaceId: string, slug: string): Promise<void>;

  /** Workspaces holding an object with this slug (for the root key, which addresses objects without a workspace). */
  findSlugOwners(kind: SlugKind, slug: string): Promise<readonly string[]>;

  /**
   * A small system value (e.g. the encrypted API-key pepper), created once with `create` if absent. Concurrent
   * creators converge on the first value written.
   */
  getOrCreateSystemValue(name: string, create: () => Promise<string>): Promise<string>;
}
