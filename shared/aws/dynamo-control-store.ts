import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { ControlStore } from "../store/control-store";
import { promptContentOf } from "../store/prompt-content";
import type {
  ApiKeyRecord,
  Page,
  PageRequest,
  PromptVersionRecord,
  SavedConfig,
  SavedConfigVersion,
  SavedPrompt,
  SlugKind,
  VirtualKeyRecord,
  Workspace,
} from "../store/types";
import { type Item, ItemOps, toEntity } from "./dynamo-item-ops";
import { keys } from "./dynamo-keys";

export interface DynamoControlStoreOptions {
  readonly tableName: string;
  /** Epoch ms clock; defaults to `Date.now`. */
  readonly now?: () => number;
}

function mapPage<T>(page: Page<Item>): Page<T> {
  const items = page.items.map((item) => toEntity<T>(item));
  return page.nextCursor === undefined ? { items } : { items, nextCursor: page.nextCursor };
}

/** The `ControlStore` on one DynamoDB table (any endpoint: AWS, moto_server, dynalite). */
export class DynamoControlStore implements ControlStore {
  private readonly ops: ItemOps;

  constructor(client: DynamoDBClient, options: DynamoControlStoreOptions) {
    this.ops = new ItemOps(client, { tableName: options.tableName, now: options.now ?? Date.now });
  }

  private bump<T extends { version: number; updatedAt: number }>(next: T, expectedVersion: number): T {
    return { ...next, version: expectedVersion + 1, updatedAt: this.ops.now() };
  }

  // Workspaces

  async createWorkspace(workspace: Workspace): Promise<Workspace> {
    const item = {
      ...keys.workspace(workspace.id),
      ...keys.workspaceList(workspace.createdAt, workspace.id),
      entity: "workspace",
      ...workspace,
    };
    await this.ops.create(item, `Workspace '${workspace.id}'`);
    return workspace;
  }

  async getWorkspace(id: string): Promise<Workspace | undefined> {
    const item = await this.ops.get(keys.workspace(id));
    return item === undefined ? undefined : toEntity<Workspace>(item);
  }

  async listWorkspaces(page: PageRequest): Promise<Page<Workspace>> {
    return mapPage<Workspace>(await this.ops.queryIndex("WORKSPACES", page));
  }

  async replaceWorkspace(next: Workspace, expectedVersion: number): Promise<Workspace> {
    const stored = this.bump(next, expectedVersion);
    const item = {
      ...keys.workspace(next.id),
      ...keys.workspaceList(next.createdAt, next.id),
      entity: "workspace",
      ...stored,
    };
    await this.ops.replace(item, expectedVersion, `Workspace '${next.id}'`);
    return stored;
  }

  async deleteWorkspace(id: string): Promise<void> {
    await this.ops.delete(keys.workspace(id));
  }

  async workspaceHasChildren(id: string): Promise<boolean> {
    const own = await this.ops.queryPartition(keys.workspacePartition(id), "", { limit: 2 });
    if (own.items.some((item) => item.sk !== "WS")) return true;
    const apiKeys = await this.ops.queryIndex(keys.apiKeyListPartition(id), { limit: 1 });
    return apiKeys.items.length > 0;
  }

  // API keys

  private apiKeyItem(key: ApiKeyRecord): Item {
    return {
      ...keys.apiKey(key.id),
      ...keys.apiKeyList(key.workspaceId, key.createdAt, key.id),
      entity: "api-key",
      ...key,
    };
  }

  async createApiKey(key: ApiKeyRecord): Promise<ApiKeyRecord> {
    await this.ops.create(this.apiKeyItem(key), `API key '${key.id}'`);
    return key;
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | undefined> {
    const item = await this.ops.get(keys.apiKey(id));
    return item === undefined ? undefined : toEntity<ApiKeyRecord>(item);
  }

  async listApiKeys(workspaceId: string, page: PageRequest): Promise<Page<ApiKeyRecord>> {
    return mapPage<ApiKeyRecord>(await this.ops.queryIndex(keys.apiKeyListPartition(workspaceId), page));
  }

  async replaceApiKey(next: ApiKeyRecord, expectedVersion: number): Promise<ApiKeyRecord> {
    const stored = this.bump(next, expectedVersion);
    await this.ops.replace(this.apiKeyItem(stored), expectedVersion, `API key '${next.id}'`);
    return stored;
  }

  async deleteApiKey(id: string): Promise<void> {
    await this.ops.delete(keys.apiKey(id));
  }

  // Virtual keys

  private virtualKeyItem(key: VirtualKeyRecord): Item {
    return {
      ...keys.virtualKey(key.workspaceId, key.slug),
      ...keys.virtualKeySlug(key.workspaceId, key.slug),
      entity: "virtual-key",
      ...key,
    };
  }

  async createVirtualKey(key: VirtualKeyRecord): Promise<VirtualKeyRecord> {
    await this.ops.create(this.virtualKeyItem(key), `Virtual key '${key.slug}'`);
    return key;
  }

  async getVirtualKey(workspaceId: string, slug: string): Promise<VirtualKeyRecord | undefined> {
    const item = await this.ops.get(keys.virtualKey(workspaceId, slug));
    return item === undefined ? undefined : toEntity<VirtualKeyRecord>(item);
  }

  async listVirtualKeys(workspaceId: string, page: PageRequest): Promise<Page<VirtualKeyRecord>> {
    const items = await this.ops.queryPartition(keys.workspacePartition(workspaceId), keys.virtualKeyPrefix, page);
    return mapPage<VirtualKeyRecord>(items);
  }

  async replaceVirtualKey(next: VirtualKeyRecord, expectedVersion: number): Promise<VirtualKeyRecord> {
    const stored = this.bump(next, expectedVersion);
    await this.ops.replace(this.virtualKeyItem(stored), expectedVersion, `Virtual key '${next.slug}'`);
    return stored;
  }

  async deleteVirtualKey(workspaceId: string, slug: string): Promise<void> {
    await this.ops.delete(keys.virtualKey(workspaceId, slug));
  }

  // Saved configs

  private configItem(config: SavedConfig): Item {
    return {
      ...keys.config(config.workspaceId, config.slug),
      ...keys.configSlug(config.workspaceId, config.slug),
      entity: "config",
      ...config,
    };
  }

  private configVersionItem(config: SavedConfig): Item {
    const snapshot: SavedConfigVersion = {
      workspaceId: config.workspaceId,
      slug: config.slug,
      version: config.version,
      name: config.name,
      configJson: config.configJson,
      createdAt: config.updatedAt,
    };
    return {
      ...keys.configVersion(config.workspaceId, config.slug, config.version),
      entity: "config-version",
      ...snapshot,
    };
  }

  async createConfig(config: SavedConfig): Promise<SavedConfig> {
    await this.ops.create(this.configItem(config), `Config '${config.slug}'`);
    await this.ops.putIfAbsent(this.configVersionItem(config));
    return config;
  }

  async getConfig(workspaceId: string, slug: string): Promise<SavedConfig | undefined> {
    const item = await this.ops.get(keys.config(workspaceId, slug));
    return item === undefined ? undefined : toEntity<SavedConfig>(item);
  }

  async getConfigVersion(workspaceId: string, slug: string, version: number): Promise<SavedConfigVersion | undefined> {
    const item = await this.ops.get(keys.configVersion(workspaceId, slug, version));
    return item === undefined ? undefined : toEntity<SavedConfigVersion>(item);
  }

  async listConfigs(workspaceId: string, page: PageRequest): Promise<Page<SavedConfig>> {
    const items = await this.ops.queryPartition(keys.workspacePartition(workspaceId), keys.configPrefix, page);
    return mapPage<SavedConfig>(items);
  }

  async replaceConfig(next: SavedConfig, expectedVersion: number): Promise<SavedConfig> {
    const stored = this.bump(next, expectedVersion);
    await this.ops.replace(this.configItem(stored), expectedVersion, `Config '${next.slug}'`);
    await this.ops.putIfAbsent(this.configVersionItem(stored));
    return stored;
  }

  async deleteConfig(workspaceId: string, slug: string): Promise<void> {
    await this.ops.delete(keys.config(workspaceId, slug));
    // History goes too, so a later config with the same slug starts a clean version line.
    const partition = keys.workspacePartition(workspaceId);
    let cursor: string | undefined;
    do {
      const page = await this.ops.queryPartition(partition, keys.configVersionPrefix(slug), { limit: 100, cursor });
      for (const item of page.items) await this.ops.delete({ pk: partition, sk: String(item.sk) });
      cursor = page.nextCursor;
    } while (cursor !== undefined);
  }

  // Saved prompts (same scheme as configs: head decides the winner, then the immutable version item)

  private promptItem(prompt: SavedPrompt): Item {
    return {
      ...keys.prompt(prompt.workspaceId, prompt.slug),
      ...keys.promptSlug(prompt.workspaceId, prompt.slug),
      entity: "prompt",
      ...prompt,
    };
  }

  private promptVersionItem(prompt: SavedPrompt): Item {
    const snapshot: PromptVersionRecord = {
      ...promptContentOf(prompt),
      workspaceId: prompt.workspaceId,
      slug: prompt.slug,
      promptVersion: prompt.promptVersion,
      createdAt: prompt.updatedAt,
    };
    return {
      ...keys.promptVersion(prompt.workspaceId, prompt.slug, prompt.promptVersion),
      entity: "prompt-version",
      ...snapshot,
    };
  }

  async createPrompt(prompt: SavedPrompt): Promise<SavedPrompt> {
    await this.ops.create(this.promptItem(prompt), `Prompt '${prompt.slug}'`);
    await this.ops.putIfAbsent(this.promptVersionItem(prompt));
    return prompt;
  }

  async getPrompt(workspaceId: string, slug: string): Promise<SavedPrompt | undefined> {
    const item = await this.ops.get(keys.prompt(workspaceId, slug));
    return item === undefined ? undefined : toEntity<SavedPrompt>(item);
  }

  async getPromptVersion(
    workspaceId: string,
    slug: string,
    promptVersion: number,
  ): Promise<PromptVersionRecord | undefined> {
    const item = await this.ops.get(keys.promptVersion(workspaceId, slug, promptVersion));
    return item === undefined ? undefined : toEntity<PromptVersionRecord>(item);
  }

  async listPrompts(workspaceId: string, page: PageRequest): Promise<Page<SavedPrompt>> {
    const items = await this.ops.queryPartition(keys.workspacePartition(workspaceId), keys.promptPrefix, page);
    return mapPage<SavedPrompt>(items);
  }

  async listPromptVersions(workspaceId: string, slug: string, page: PageRequest): Promise<Page<PromptVersionRecord>> {
    const partition = keys.workspacePartition(workspaceId);
    return mapPage<PromptVersionRecord>(await this.ops.queryPartition(partition, keys.promptVersionPrefix(slug), page));
  }

  async replacePrompt(next: SavedPrompt, expectedVersion: number): Promise<SavedPrompt> {
    const stored = this.bump(next, expectedVersion);
    await this.ops.replace(this.promptItem(stored), expectedVersion, `Prompt '${next.slug}'`);
    await this.ops.putIfAbsent(this.promptVersionItem(stored));
    return stored;
  }

  async deletePrompt(workspaceId: string, slug: string): Promise<void> {
    await this.ops.delete(keys.prompt(workspaceId, slug));
    const partition = keys.workspacePartition(workspaceId);
    let cursor: string | undefined;
    do {
      const page = await this.ops.queryPartition(partition, keys.promptVersionPrefix(slug), { limit: 100, cursor });
      for (const item of page.items) await this.ops.delete({ pk: partition, sk: String(item.sk) });
      cursor = page.nextCursor;
    } while (cursor !== undefined);
  }

  // Lookups and system values

  async findSlugOwners(kind: SlugKind, slug: string): Promise<readonly string[]> {
    const page = await this.ops.queryIndex(keys.slugOwners(kind, slug), { limit: 25 });
    return page.items.map((item) => String(item.workspaceId));
  }

  async getOrCreateSystemValue(name: string, create: () => Promise<string>): Promise<string> {
    const existing = await this.ops.get(keys.system(name));
    if (typeof existing?.value === "string") return existing.value;
    const value = await create();
    if (await this.ops.putIfAbsent({ ...keys.system(name), entity: "system", value })) return value;
    const winner = await this.ops.get(keys.system(name));
    if (typeof winner?.value !== "string") throw new Error(`System value '${name}' vanished while being created.`);
    return winner.value;
  }
}
