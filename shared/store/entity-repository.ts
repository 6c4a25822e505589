import { ConflictError, NotFoundError } from "../core/errors";
import type { EntityKind, Part } from "./entity-kinds";
import { type Item, type ItemTable, toEntity } from "./item-table";
import type { Page, PageRequest, Versioned } from "./types";

/**
 * The generic operations of one entity kind on one `ItemTable`: the kind says where items live (entity-kinds.ts),
 * this class says how every kind is read and written. A head plus immutable versions is `HeadWithVersions` below;
 * other special patterns compose these operations explicitly in their store.
 */
export class EntityRepository<T extends object, Id extends readonly Part[], Scope extends readonly Part[]> {
  constructor(
    private readonly table: ItemTable,
    private readonly kind: EntityKind<T, Id, Scope>,
    private readonly now: () => number,
  ) {}

  async get(...id: Id): Promise<T | undefined> {
    const item = await this.table.get(this.kind.key(...id));
    return item === undefined ? undefined : toEntity<T>(item);
  }

  /** A new item; `ConflictError` when its id is taken. */
  async create(value: T): Promise<T> {
    if (!(await this.table.putIfAbsent(this.item(value)))) {
      throw new ConflictError(`${this.what(value)} already exists.`, { code: "already_exists" });
    }
    return value;
  }

  /** Writes an item unless its id is taken (immutable items); false when it was. */
  async write(value: T): Promise<boolean> {
    return this.table.putIfAbsent(this.item(value));
  }

  /**
   * Writes `next` if the stored item is at `expectedVersion`; the stored version becomes `expectedVersion + 1` and
   * `updatedAt` now. Missing item: `NotFoundError`; another version: `ConflictError`.
   */
  async replace<V extends T & Versioned>(next: V, expectedVersion: number): Promise<V> {
    if (this.kind.versioning !== "optimistic") throw new TypeError(`${this.kind.noun} items are immutable.`);
    const stored: V = { ...next, version: expectedVersion + 1, updatedAt: this.now() };
    if (await this.table.putIfVersion(this.item(stored), expectedVersion)) return stored;
    const current = await this.table.get(this.kind.key(...this.kind.idOf(next)));
    if (current === undefined) throw new NotFoundError(`${this.what(next)} not found.`);
    throw new ConflictError(
      `${this.what(next)} was changed concurrently (expected version ${expectedVersion}, found ${String(current.version)}).`,
      { code: "version_conflict" },
    );
  }

  async delete(...id: Id): Promise<void> {
    await this.table.delete(this.kind.key(...id));
  }

  async list(page: PageRequest, ...scope: Scope): Promise<Page<T>> {
    const query = this.kind.list(...scope);
    const found =
      query.on === "table"
        ? await this.table.queryPartition(query.pk, query.skPrefix, page)
        : await this.table.queryIndex(query.gsi1pk, page);
    const items = found.items.map((item) => toEntity<T>(item));
    return found.nextCursor === undefined ? { items } : { items, nextCursor: found.nextCursor };
  }

  /** Deletes every item of a list, item by item (best effort: no transactions). */
  async deleteAll(...scope: Scope): Promise<void> {
    let cursor: string | undefined;
    do {
      const page = await this.list({ limit: 100, ...(cursor === undefined ? {} : { cursor }) }, ...scope);
      for (const value of page.items) await this.delete(...this.kind.idOf(value));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
  }

  private item(value: T): Item {
    const id = this.kind.idOf(value);
    return { ...this.kind.key(...id), ...this.kind.index?.(value), entity: this.kind.entity, ...value };
  }

  private what(value: T): string {
    return `${this.kind.noun} '${String(this.kind.idOf(value).at(-1))}'`;
  }
}

type SlugId = [workspaceId: string, slug: string];

/**
 * A head plus its immutable version items (saved configs, prompts; ADR 0004): the conditional head write decides
 * the winner, then the version item of what was written (a no-op when that version already exists, as when a
 * prompt is published); deleting removes the head, then its history, so a later object with the same slug starts
 * a clean version line.
 */
export class HeadWithVersions<
  H extends Versioned & { readonly workspaceId: string; readonly slug: string },
  V extends object,
> {
  readonly heads: EntityRepository<H, SlugId, [workspaceId: string]>;
  readonly versions: EntityRepository<V, [...SlugId, version: number], SlugId>;

  constructor(
    table: ItemTable,
    headKind: EntityKind<H, SlugId, [workspaceId: string]>,
    versionKind: EntityKind<V, [...SlugId, version: number], SlugId>,
    private readonly snapshot: (head: H) => V,
    now: () => number,
  ) {
    this.heads = new EntityRepository(table, headKind, now);
    this.versions = new EntityRepository(table, versionKind, now);
  }

  async create(head: H): Promise<H> {
    await this.heads.create(head);
    await this.versions.write(this.snapshot(head));
    return head;
  }

  async replace(next: H, expectedVersion: number): Promise<H> {
    const stored = await this.heads.replace(next, expectedVersion);
    await this.versions.write(this.snapshot(stored));
    return stored;
  }

  async delete(workspaceId: string, slug: string): Promise<void> {
    await this.heads.delete(workspaceId, slug);
    await this.versions.deleteAll(workspaceId, slug);
  }
}
