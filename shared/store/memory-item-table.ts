import { decodeCursor, encodeCursor, type Item, type ItemKey, type ItemTable, isLive } from "./item-table";
import type { Page, PageRequest } from "./types";

/**
 * The single table in memory, for unit tests and fakes: the same keys, conditions, sort orders, `Limit`-then-TTL
 * filtering and cursors as DynamoDB (the control-store contract runs on both). Items are copied in and out, so
 * callers cannot mutate stored state.
 */
export class MemoryItemTable implements ItemTable {
  /** pk -> sk -> item. */
  private readonly partitions = new Map<string, Map<string, Item>>();

  constructor(private readonly now: () => number) {}

  async get(key: ItemKey): Promise<Item | undefined> {
    const item = this.partitions.get(key.pk)?.get(key.sk);
    return item !== undefined && isLive(item, this.now()) ? structuredClone(item) : undefined;
  }

  async putIfAbsent(item: Item): Promise<boolean> {
    if (this.stored(item) !== undefined) return false;
    this.put(item);
    return true;
  }

  async putIfVersion(item: Item, expectedVersion: number): Promise<boolean> {
    if (this.stored(item)?.version !== expectedVersion) return false;
    this.put(item);
    return true;
  }

  async delete(key: ItemKey): Promise<void> {
    this.partitions.get(key.pk)?.delete(key.sk);
  }

  async queryPartition(pk: string, skPrefix: string, page: PageRequest): Promise<Page<Item>> {
    const start = decodeCursor(page.cursor, "pk", pk);
    const items = [...(this.partitions.get(pk)?.values() ?? [])]
      .filter((item) => String(item.sk).startsWith(skPrefix))
      .sort((a, b) => compare(String(a.sk), String(b.sk)));
    const after = start === undefined ? 0 : items.findIndex((item) => String(item.sk) > (start.sk ?? ""));
    return this.page(items, after, page.limit, (item) => ({ pk, sk: String(item.sk) }));
  }

  async queryIndex(gsi1pk: string, page: PageRequest): Promise<Page<Item>> {
    const start = decodeCursor(page.cursor, "gsi1pk", gsi1pk);
    const position = (item: Item) => [String(item.gsi1sk), String(item.pk), String(item.sk)] as const;
    const items = [...this.partitions.values()]
      .flatMap((partition) => [...partition.values()])
      .filter((item) => item.gsi1pk === gsi1pk)
      .sort((a, b) => compareTuples(position(a), position(b)));
    const from = start === undefined ? undefined : ([start.gsi1sk ?? "", start.pk ?? "", start.sk ?? ""] as const);
    const after = from === undefined ? 0 : items.findIndex((item) => compareTuples(position(item), from) > 0);
    return this.page(items, after, page.limit, (item) => {
      const [gsi1sk, pk, sk] = position(item);
      return { pk, sk, gsi1pk, gsi1sk };
    });
  }

  /** `Limit` applies before the TTL filter, as in DynamoDB; the cursor is the last item read. */
  private page(
    sorted: readonly Item[],
    start: number,
    limit: number,
    keyOf: (item: Item) => Record<string, string>,
  ): Page<Item> {
    const from = start === -1 ? sorted.length : start;
    const read = sorted.slice(from, from + limit);
    const items = read.filter((item) => isLive(item, this.now())).map((item) => structuredClone(item));
    const last = read.at(-1);
    const nextCursor = last !== undefined && from + limit < sorted.length ? encodeCursor(keyOf(last)) : undefined;
    return nextCursor === undefined ? { items } : { items, nextCursor };
  }

  private stored(item: Item): Item | undefined {
    return this.partitions.get(String(item.pk))?.get(String(item.sk));
  }

  private put(item: Item): void {
    const pk = String(item.pk);
    let partition = this.partitions.get(pk);
    if (partition === undefined) {
      partition = new Map();
      this.partitions.set(pk, partition);
    }
    partition.set(String(item.sk), structuredClone(item));
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareTuples(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) {
    const order = compare(a[i] ?? "", b[i] ?? "");
    if (order !== 0) return order;
  }
  return 0;
}
