import { BadRequestError, ConflictError, NotFoundError } from "../core/errors";
import type { ControlStore } from "./control-store";
import { promptContentOf } from "./prompt-content";
import type {
  ApiKeyRecord,
  Page,
  PageRequest,
  PromptContent,
  PromptVersionRecord,
  SavedConfig,
  SavedConfigVersion,
  SavedPrompt,
  SlugKind,
  VirtualKeyRecord,
  Workspace,
} from "./types";

/**
 * In-memory `ControlStore` for unit tests and fakes. Same contract as the DynamoDB adapter (the contract suite runs
 * against both), no persistence. Values are copied in and out so callers cannot mutate stored state.
 */
type Table<T> = Map<string, T>;

function copy<T>(value: T): T {
  return structuredClone(value);
}

function page<T>(list: string, sorted: readonly [string, T][], request: PageRequest): Page<T> {
  let start = 0;
  if (request.cursor !== undefined) {
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(request.cursor, "base64url").toString("utf8"));
    } catch {
      decoded = undefined;
    }
    const cursor = decoded as { list?: unknown; after?: unknown } | undefined;
    if (cursor?.list !== list || typeof cursor.after !== "string") {
      throw new BadRequestError("The cursor is invalid for this list.", { param: "cursor", code: "invalid_cursor" });
    }
    const after = cursor.after;
    start = sorted.findIndex(([sortKey]) => sortKey > after);
    if (start === -1) start = sorted.length;
  }
  const slice = sorted.slice(start, start + request.limit);
  const items = slice.map(([, value]) => copy(value));
  const last = slice.at(-1);
  if (last === undefined || start + request.limit >= sorted.length) return { items };
  return { items, nextCursor: Buffer.from(JSON.stringify({ list, after: last[0] })).toString("base64url") };
}

export class MemoryControlStore implements ControlStore {
  private readonly workspaces: Table<Workspace> = new Map();
  private readonly apiKeys: Table<ApiKeyRecord> = new Map();
  private readonly virtualKeys: Table<VirtualKeyRecord> = new Map();
  private readonly configs: Table<SavedConfig> = new Map();
  private readonly configVersions: Table<SavedConfigVersion> = new Map();
  private readonly prompts: Table<SavedPrompt> = new Map();
  private readonly promptVersions: Table<PromptVersionRecord> = new Map();
  private readonly system = new Map<string, string>();

  constructor(private readonly now: () => number = Date.now) {}

  private live<T extends object>(value: T | undefined): T | undefined {
    if (value === undefined) return undefined;
    const expiresAt = (value as { expiresAt?: unknown }).expiresAt;
    return typeof expiresAt === "number" && expiresAt * 1000 <= this.now() ? undefined : copy(value);
  }

  private create<T>(table: Table<T>, key: string, value: T, what: string): T {
    if (table.has(key)) throw new ConflictError(`${what} already exists.`, { code: "already_exists" });
    table.set(key, copy(value));
    return copy(value);
  }

  private replace<T extends { version: number; updatedAt: number }>(
    table: Table<T>,
    key: string,
    next: T,
    expectedVersion: number,
    what: string,
  ): T {
    const current = table.get(key);
    if (current === undefined) throw new NotFoundError(`${what} not found.`);
    if (current.version !== expectedVersion) {
      throw new ConflictError(`${what} was changed concurrently.`, { code: "version_conflict" });
    }
    const stored = { ...next, version: expectedVersion + 1, updatedAt: this.now() };
    table.set(key, copy(stored));
    return copy(stored);
  }

  private list<T extends object>(
    list: string,
    values: Iterable<T>,
    filter: (value: T) => boolean,
    sortKey: (value: T) => string,
    request: PageRequest,
  ): Page<T> {
    const sorted = [...values]
      .filter((value) => filter(value) && this.live(value) !== undefined)
      .map((value): [string, T] => [sortKey(value), value])
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return page(list, sorted, request);
  }

  async createWorkspace(workspace: Workspace): Promise<Workspace> {
    return this.create(this.workspaces, workspace.id, workspace, `Workspace '${workspace.id}'`);
  }
  async getWorkspace(id: string): Promise<Workspace | undefined> {
    return this.live(this.workspaces.get(id));
  }
  async listWorkspaces(request: PageRequest): Promise<Page<Workspace>> {
    const sortKey = (w: Workspace) => `${String(w.createdAt).padStart(15, "0")}#${w.id}`;
    return this.list("workspaces", this.workspaces.values(), () => true, sortKey, request);
  }
  async replaceWorkspace(next: Workspace, expectedVersion: number): Promise<Workspace> {
    return this.replace(this.workspaces, next.id, next, expectedVersion, `Workspace '${next.id}'`);
  }
  async deleteWorkspace(id: string): Promise<void> {
    this.workspaces.delete(id);
  }
  async workspaceHasChildren(id: string): Promise<boolean> {
    const owned = (value: { workspaceId: string }) => value.workspaceId === id;
    return (
      [...this.apiKeys.values()].some(owned) ||
      [...this.virtualKeys.values()].some(owned) ||
      [...this.configs.values()].some(owned) ||
      [...this.prompts.values()].some(owned)
    );
  }

  async createApiKey(key: ApiKeyRecord): Promise<ApiKeyRecord> {
    return this.create(this.apiKeys, key.id, key, `API key '${key.id}'`);
  }
  async getApiKey(id: string): Promise<ApiKeyRecord | undefined> {
    return this.live(this.apiKeys.get(id));
  }
  async listApiKeys(workspaceId: string, request: PageRequest): Promise<Page<ApiKeyRecord>> {
    const sortKey = (k: ApiKeyRecord) => `${String(k.createdAt).padStart(15, "0")}#${k.id}`;
    const mine = (k: ApiKeyRecord) => k.workspaceId === workspaceId;
    return this.list(`api-keys:${workspaceId}`, this.apiKeys.values(), mine, sortKey, request);
  }
  async replaceApiKey(next: ApiKeyRecord, expectedVersion: number): Promise<ApiKeyRecord> {
    return this.replace(this.apiKeys, next.id, next, expectedVersion, `API key '${next.id}'`);
  }
  async deleteApiKey(id: string): Promise<void> {
    this.apiKeys.delete(id);
  }

  async createVirtualKey(key: VirtualKeyRecord): Promise<VirtualKeyRecord> {
    return this.create(this.virtualKeys, `${key.workspaceId}/${key.slug}`, key, `Virtual key '${key.slug}'`);
  }
  async getVirtualKey(workspaceId: string, slug: string): Promise<VirtualKeyRecord | undefined> {
    return this.live(this.virtualKeys.get(`${workspaceId}/${slug}`));
  }
  async listVirtualKeys(workspaceId: string, request: PageRequest): Promise<Page<VirtualKeyRecord>> {
    const mine = (k: VirtualKeyRecord) => k.workspaceId === workspaceId;
    return this.list(`virtual-keys:${workspaceId}`, this.virtualKeys.values(), mine, (k) => k.slug, request);
  }
  async replaceVirtualKey(next: VirtualKeyRecord, expectedVersion: number): Promise<VirtualKeyRecord> {
    const key = `${next.workspaceId}/${next.slug}`;
    return this.replace(this.virtualKeys, key, next, expectedVersion, `Virtual key '${next.slug}'`);
  }
  async deleteVirtualKey(workspaceId: string, slug: string): Promise<void> {
    this.virtualKeys.delete(`${workspaceId}/${slug}`);
  }

  private snapshot(config: SavedConfig): void {
    const key = `${config.workspaceId}/${config.slug}/${config.version}`;
    if (this.configVersions.has(key)) return;
    this.configVersions.set(key, {
      workspaceId: config.workspaceId,
      slug: config.slug,
      version: config.version,
      name: config.name,
      configJson: config.configJson,
      createdAt: config.updatedAt,
    });
  }
  async createConfig(config: SavedConfig): Promise<SavedConfig> {
    const created = this.create(
      this.configs,
      `${config.workspaceId}/${config.slug}`,
      config,
      `Config '${config.slug}'`,
    );
    this.snapshot(created);
    return created;
  }
  async getConfig(workspaceId: string, slug: string): Promise<SavedConfig | undefined> {
    return this.live(this.configs.get(`${workspaceId}/${slug}`));
  }
  async getConfigVersion(workspaceId: string, slug: string, version: number): Promise<SavedConfigVersion | undefined> {
    const found = this.configVersions.get(`${workspaceId}/${slug}/${version}`);
    return found === undefined ? undefined : copy(found);
  }
  async listConfigs(workspaceId: string, request: PageRequest): Promise<Page<SavedConfig>> {
    const mine = (c: SavedConfig) => c.workspaceId === workspaceId;
    return this.list(`configs:${workspaceId}`, this.configs.values(), mine, (c) => c.slug, request);
  }
  async replaceConfig(next: SavedConfig, expectedVersion: number): Promise<SavedConfig> {
    const key = `${next.workspaceId}/${next.slug}`;
    const stored = this.replace(this.configs, key, next, expectedVersion, `Config '${next.slug}'`);
    this.snapshot(stored);
    return stored;
  }
  async deleteConfig(workspaceId: string, slug: string): Promise<void> {
    this.configs.delete(`${workspaceId}/${slug}`);
    for (const key of this.configVersions.keys()) {
      if (key.startsWith(`${workspaceId}/${slug}/`)) this.configVersions.delete(key);
    }
  }

  private promptSnapshot(prompt: SavedPrompt): void {
    const key = `${prompt.workspaceId}/${prompt.slug}/${String(prompt.promptVersion).padStart(10, "0")}`;
    if (this.promptVersions.has(key)) return;
    const content: PromptContent = promptContentOf(prompt);
    this.promptVersions.set(key, {
      ...content,
      workspaceId: prompt.workspaceId,
      slug: prompt.slug,
      promptVersion: prompt.promptVersion,
      createdAt: prompt.updatedAt,
    });
  }
  async createPrompt(prompt: SavedPrompt): Promise<SavedPrompt> {
    const key = `${prompt.workspaceId}/${prompt.slug}`;
    const created = this.create(this.prompts, key, prompt, `Prompt '${prompt.slug}'`);
    this.promptSnapshot(created);
    return created;
  }
  async getPrompt(workspaceId: string, slug: string): Promise<SavedPrompt | undefined> {
    return this.live(this.prompts.get(`${workspaceId}/${slug}`));
  }
  async getPromptVersion(
    workspaceId: string,
    slug: string,
    promptVersion: number,
  ): Promise<PromptVersionRecord | undefined> {
    const found = this.promptVersions.get(`${workspaceId}/${slug}/${String(promptVersion).padStart(10, "0")}`);
    return found === undefined ? undefined : copy(found);
  }
  async listPrompts(workspaceId: string, request: PageRequest): Promise<Page<SavedPrompt>> {
    const mine = (p: SavedPrompt) => p.workspaceId === workspaceId;
    return this.list(`prompts:${workspaceId}`, this.prompts.values(), mine, (p) => p.slug, request);
  }
  async listPromptVersions(
    workspaceId: string,
    slug: string,
    request: PageRequest,
  ): Promise<Page<PromptVersionRecord>> {
    const mine = (v: PromptVersionRecord) => v.workspaceId === workspaceId && v.slug === slug;
    const sortKey = (v: PromptVersionRecord) => String(v.promptVersion).padStart(10, "0");
    return this.list(`prompt-versions:${workspaceId}/${slug}`, this.promptVersions.values(), mine, sortKey, request);
  }
  async replacePrompt(next: SavedPrompt, expectedVersion: number): Promise<SavedPrompt> {
    const key = `${next.workspaceId}/${next.slug}`;
    const stored = this.replace(this.prompts, key, next, expectedVersion, `Prompt '${next.slug}'`);
    this.promptSnapshot(stored);
    return stored;
  }
  async deletePrompt(workspaceId: string, slug: string): Promise<void> {
    this.prompts.delete(`${workspaceId}/${slug}`);
    for (const key of this.promptVersions.keys()) {
      if (key.startsWith(`${workspaceId}/${slug}/`)) this.promptVersions.delete(key);
    }
  }

  async findSlugOwners(kind: SlugKind, slug: string): Promise<readonly string[]> {
    const table: Iterable<{ workspaceId: string; slug: string }> =
      kind === "virtual-key"
        ? this.virtualKeys.values()
        : kind === "config"
          ? this.configs.values()
          : this.prompts.values();
    return [...table].filter((value) => value.slug === slug).map((value) => value.workspaceId);
  }

  async getOrCreateSystemValue(name: string, create: () => Promise<string>): Promise<string> {
    const existing = this.system.get(name);
    if (existing !== undefined) return existing;
    const value = await create();
    const winner = this.system.get(name);
    if (winner !== undefined) return winner;
    this.system.set(name, value);
    return value;
  }
}
