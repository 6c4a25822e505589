import type { ControlStore } from "./control-store";
import {
  apiKeyKind,
  configKind,
  configVersionKind,
  guardrailKind,
  guardrailVersionKind,
  partialKind,
  partialVersionKind,
  promptKind,
  promptVersionKind,
  slugOwners,
  systemValueKind,
  virtualKeyKind,
  workspaceKind,
  workspacePartition,
} from "./entity-kinds";
import { EntityRepository, HeadWithVersions } from "./entity-repository";
import type { ItemTable } from "./item-table";
import { promptContentOf } from "./prompt-content";
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
 * The `ControlStore` on the single table, whatever its backend (DynamoDB or in memory): plain entities go through
 * their `EntityRepository`, configs and prompts through `HeadWithVersions`; the special patterns are written out
 * below (the workspace-children check, slug owners, create-once system values).
 */
export class TableControlStore implements ControlStore {
  private readonly workspaces;
  private readonly apiKeys;
  private readonly virtualKeys;
  private readonly configs;
  private readonly prompts;
  private readonly guardrails;
  private readonly partials;
  private readonly system;

  constructor(
    private readonly table: ItemTable,
    now: () => number,
  ) {
    this.workspaces = new EntityRepository(table, workspaceKind, now);
    this.apiKeys = new EntityRepository(table, apiKeyKind, now);
    this.virtualKeys = new EntityRepository(table, virtualKeyKind, now);
    this.configs = new HeadWithVersions(table, configKind, configVersionKind, configSnapshot, now);
    this.prompts = new HeadWithVersions(table, promptKind, promptVersionKind, promptSnapshot, now);
    this.guardrails = new HeadWithVersions(table, guardrailKind, guardrailVersionKind, guardrailSnapshot, now);
    this.partials = new HeadWithVersions(table, partialKind, partialVersionKind, partialSnapshot, now);
    this.system = new EntityRepository(table, systemValueKind, now);
  }

  createWorkspace(workspace: Workspace): Promise<Workspace> {
    return this.workspaces.create(workspace);
  }
  getWorkspace(id: string): Promise<Workspace | undefined> {
    return this.workspaces.get(id);
  }
  listWorkspaces(page: PageRequest): Promise<Page<Workspace>> {
    return this.workspaces.list(page);
  }
  replaceWorkspace(next: Workspace, expectedVersion: number): Promise<Workspace> {
    return this.workspaces.replace(next, expectedVersion);
  }
  deleteWorkspace(id: string): Promise<void> {
    return this.workspaces.delete(id);
  }

  /** `Query pk = WS#<ws> Limit 2` (anything besides the workspace item) + `Query gsi1 WS#<ws>#APIKEYS Limit 1`. */
  async workspaceHasChildren(id: string): Promise<boolean> {
    const own = await this.table.queryPartition(workspacePartition(id), "", { limit: 2 });
    if (own.items.some((item) => item.sk !== workspaceKind.key(id).sk)) return true;
    return (await this.apiKeys.list({ limit: 1 }, id)).items.length > 0;
  }

  createApiKey(key: ApiKeyRecord): Promise<ApiKeyRecord> {
    return this.apiKeys.create(key);
  }
  getApiKey(id: string): Promise<ApiKeyRecord | undefined> {
    return this.apiKeys.get(id);
  }
  listApiKeys(workspaceId: string, page: PageRequest): Promise<Page<ApiKeyRecord>> {
    return this.apiKeys.list(page, workspaceId);
  }
  replaceApiKey(next: ApiKeyRecord, expectedVersion: number): Promise<ApiKeyRecord> {
    return this.apiKeys.replace(next, expectedVersion);
  }
  deleteApiKey(id: string): Promise<void> {
    return this.apiKeys.delete(id);
  }

  createVirtualKey(key: VirtualKeyRecord): Promise<VirtualKeyRecord> {
    return this.virtualKeys.create(key);
  }
  getVirtualKey(workspaceId: string, slug: string): Promise<VirtualKeyRecord | undefined> {
    return this.virtualKeys.get(workspaceId, slug);
  }
  listVirtualKeys(workspaceId: string, page: PageRequest): Promise<Page<VirtualKeyRecord>> {
    return this.virtualKeys.list(page, workspaceId);
  }
  replaceVirtualKey(next: VirtualKeyRecord, expectedVersion: number): Promise<VirtualKeyRecord> {
    return this.virtualKeys.replace(next, expectedVersion);
  }
  deleteVirtualKey(workspaceId: string, slug: string): Promise<void> {
    return this.virtualKeys.delete(workspaceId, slug);
  }

  // Saved configs and prompts: a head plus immutable versions (`HeadWithVersions`); publishing a prompt keeps
  // `promptVersion`, so its version write is a no-op.

  createConfig(config: SavedConfig): Promise<SavedConfig> {
    return this.configs.create(config);
  }
  getConfig(workspaceId: string, slug: string): Promise<SavedConfig | undefined> {
    return this.configs.heads.get(workspaceId, slug);
  }
  getConfigVersion(workspaceId: string, slug: string, version: number): Promise<SavedConfigVersion | undefined> {
    return this.configs.versions.get(workspaceId, slug, version);
  }
  listConfigs(workspaceId: string, page: PageRequest): Promise<Page<SavedConfig>> {
    return this.configs.heads.list(page, workspaceId);
  }
  replaceConfig(next: SavedConfig, expectedVersion: number): Promise<SavedConfig> {
    return this.configs.replace(next, expectedVersion);
  }
  deleteConfig(workspaceId: string, slug: string): Promise<void> {
    return this.configs.delete(workspaceId, slug);
  }

  createPrompt(prompt: SavedPrompt): Promise<SavedPrompt> {
    return this.prompts.create(prompt);
  }
  getPrompt(workspaceId: string, slug: string): Promise<SavedPrompt | undefined> {
    return this.prompts.heads.get(workspaceId, slug);
  }
  getPromptVersion(workspaceId: string, slug: string, promptVersion: number): Promise<PromptVersionRecord | undefined> {
    return this.prompts.versions.get(workspaceId, slug, promptVersion);
  }
  listPrompts(workspaceId: string, page: PageRequest): Promise<Page<SavedPrompt>> {
    return this.prompts.heads.list(page, workspaceId);
  }
  listPromptVersions(workspaceId: string, slug: string, page: PageRequest): Promise<Page<PromptVersionRecord>> {
    return this.prompts.versions.list(page, workspaceId, slug);
  }
  replacePrompt(next: SavedPrompt, expectedVersion: number): Promise<SavedPrompt> {
    return this.prompts.replace(next, expectedVersion);
  }
  deletePrompt(workspaceId: string, slug: string): Promise<void> {
    return this.prompts.delete(workspaceId, slug);
  }

  createGuardrail(guardrail: SavedGuardrail): Promise<SavedGuardrail> {
    return this.guardrails.create(guardrail);
  }
  getGuardrail(workspaceId: string, slug: string): Promise<SavedGuardrail | undefined> {
    return this.guardrails.heads.get(workspaceId, slug);
  }
  getGuardrailVersion(workspaceId: string, slug: string, version: number): Promise<SavedGuardrailVersion | undefined> {
    return this.guardrails.versions.get(workspaceId, slug, version);
  }
  listGuardrails(workspaceId: string, page: PageRequest): Promise<Page<SavedGuardrail>> {
    return this.guardrails.heads.list(page, workspaceId);
  }
  replaceGuardrail(next: SavedGuardrail, expectedVersion: number): Promise<SavedGuardrail> {
    return this.guardrails.replace(next, expectedVersion);
  }
  deleteGuardrail(workspaceId: string, slug: string): Promise<void> {
    return this.guardrails.delete(workspaceId, slug);
  }

  createPartial(partial: PromptPartial): Promise<PromptPartial> {
    return this.partials.create(partial);
  }
  getPartial(workspaceId: string, slug: string): Promise<PromptPartial | undefined> {
    return this.partials.heads.get(workspaceId, slug);
  }
  getPartialVersion(workspaceId: string, slug: string, version: number): Promise<PromptPartialVersion | undefined> {
    return this.partials.versions.get(workspaceId, slug, version);
  }
  listPartials(workspaceId: string, page: PageRequest): Promise<Page<PromptPartial>> {
    return this.partials.heads.list(page, workspaceId);
  }
  listPartialVersions(workspaceId: string, slug: string, page: PageRequest): Promise<Page<PromptPartialVersion>> {
    return this.partials.versions.list(page, workspaceId, slug);
  }
  replacePartial(next: PromptPartial, expectedVersion: number): Promise<PromptPartial> {
    return this.partials.replace(next, expectedVersion);
  }
  deletePartial(workspaceId: string, slug: string): Promise<void> {
    return this.partials.delete(workspaceId, slug);
  }

  /** `Query gsi1 gsi1pk = SLUG#<kind>#<slug>`. */
  async findSlugOwners(kind: SlugKind, slug: string): Promise<readonly string[]> {
    const page = await this.table.queryIndex(slugOwners[kind](slug), { limit: 25 });
    return page.items.map((item) => String(item.workspaceId));
  }

  /** Read; if absent, create and write once; a racing creator that lost reads the winner's value. */
  async getOrCreateSystemValue(name: string, create: () => Promise<string>): Promise<string> {
    const existing = await this.system.get(name);
    if (existing !== undefined) return existing.value;
    const value = await create();
    if (await this.system.write({ name, value })) return value;
    const winner = await this.system.get(name);
    if (winner === undefined) throw new Error(`System value '${name}' vanished while being created.`);
    return winner.value;
  }
}

function configSnapshot(config: SavedConfig): SavedConfigVersion {
  const { workspaceId, slug, version, name, configJson } = config;
  return { workspaceId, slug, version, name, configJson, createdAt: config.updatedAt };
}

function guardrailSnapshot(guardrail: SavedGuardrail): SavedGuardrailVersion {
  const { workspaceId, slug, version, name, checksJson, actionsJson } = guardrail;
  return { workspaceId, slug, version, name, checksJson, actionsJson, createdAt: guardrail.updatedAt };
}

function partialSnapshot(partial: PromptPartial): PromptPartialVersion {
  const { workspaceId, slug, partialVersion, template, versionDescription } = partial;
  return {
    workspaceId,
    slug,
    partialVersion,
    template,
    ...(versionDescription === undefined ? {} : { versionDescription }),
    createdAt: partial.updatedAt,
  };
}

function promptSnapshot(prompt: SavedPrompt): PromptVersionRecord {
  const { workspaceId, slug, promptVersion } = prompt;
  return { ...promptContentOf(prompt), workspaceId, slug, promptVersion, createdAt: prompt.updatedAt };
}
