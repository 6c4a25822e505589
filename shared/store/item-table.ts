import { BadRequestError } from "../core/errors";
import type { Page, PageRequest } from "./types";

/**
 * Port: the single control-plane table as the stores use it (docs/data-model.md). Primary key `pk`/`sk`, one GSI
 * `gsi1` on `gsi1pk`/`gsi1sk` (projection ALL), TTL attribute `expiresAt` (epoch s). Two backends: DynamoDB (any
 * endpoint: AWS, moto_server, dynalite) and an in-memory table for unit tests; both pass the control-store contract.
 *
 * Every operation touches one item or one partition; there are no transactions (dynalite has none). Reads treat an
 * item whose `expiresAt` has passed as absent (DynamoDB TTL deletes late, dynalite and moto never).
 */
export interface ItemTable {
  /** `GetItem`, strongly consistent. */
  get(key: ItemKey): Promise<Item | undefined>;
  /** `PutItem` with `attribute_not_exists(pk)`; false when the key is taken. */
  putIfAbsent(item: Item): Promise<boolean>;
  /** `PutItem` with `attribute_exists(pk) AND version = :expected`; false when absent or at another version. */
  putIfVersion(item: Item, expectedVersion: number): Promise<boolean>;
  /** `DeleteItem`, unconditional. */
  delete(key: ItemKey): Promise<void>;
  /** `Query pk = :pk AND begins_with(sk, :prefix)` (no prefix: the whole partition), consistent, in `sk` order. */
  queryPartition(pk: string, skPrefix: string, page: PageRequest): Promise<Page<Item>>;
  /** `Query` on `gsi1`: `gsi1pk = :pk` in `gsi1sk` order (eventually consistent in DynamoDB). */
  queryIndex(gsi1pk: string, page: PageRequest): Promise<Page<Item>>;
}

/** A stored item: layout attributes plus the entity's own attributes. */
export type Item = Record<string, unknown>;

export const GSI1 = "gsi1";

/** DynamoDB's limits on key values (UTF-8 bytes). No stored item has a longer key, so lookups of one find nothing. */
const MAX_PARTITION_KEY_BYTES = 2048;
const MAX_SORT_KEY_BYTES = 1024;

export function partitionKeyFits(pk: string): boolean {
  return pk.length <= MAX_PARTITION_KEY_BYTES / 3 || Buffer.byteLength(pk) <= MAX_PARTITION_KEY_BYTES;
}

export function keyFits(key: { readonly pk: string; readonly sk: string }): boolean {
  return (
    partitionKeyFits(key.pk) &&
    (key.sk.length <= MAX_SORT_KEY_BYTES / 3 || Buffer.byteLength(key.sk) <= MAX_SORT_KEY_BYTES)
  );
}

export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

export interface GsiKey {
  readonly gsi1pk: string;
  readonly gsi1sk: string;
}

/** Attributes that belong to the storage layout, stripped before an item becomes an entity. */
export const LAYOUT_ATTRIBUTES = ["pk", "sk", "gsi1pk", "gsi1sk", "entity"] as const;

/** Strips layout attributes, returning the entity's attributes. */
export function toEntity<T>(item: Item): T {
  const copy: Item = { ...item };
  for (const attribute of LAYOUT_ATTRIBUTES) delete copy[attribute];
  return copy as T;
}

/** False once the item's `expiresAt` (epoch s) has passed. */
export function isLive(item: Item, nowMs: number): boolean {
  const expiresAt = item.expiresAt;
  return typeof expiresAt !== "number" || expiresAt * 1000 > nowMs;
}

/** The key attributes a page's `LastEvaluatedKey` holds: the table's key, plus the index key on `gsi1`. */
const CURSOR_ATTRIBUTES = {
  pk: ["pk", "sk"],
  gsi1pk: ["gsi1pk", "gsi1sk", "pk", "sk"],
} as const;

/** The opaque cursor of a page: `base64url(JSON(LastEvaluatedKey))`. */
export function encodeCursor(lastEvaluatedKey: Record<string, unknown> | undefined): string | undefined {
  if (lastEvaluatedKey === undefined) return undefined;
  return Buffer.from(JSON.stringify(lastEvaluatedKey), "utf8").toString("base64url");
}

/**
 * Decodes a cursor and checks it belongs to the list being read (`partitionAttribute` must equal `partition`) and
 * has exactly that list's key attributes, all strings, so a cursor can neither be forged into another workspace's
 * list nor make the query fail (DynamoDB rejects a start key of another shape).
 */
export function decodeCursor(
  cursor: string | undefined,
  partitionAttribute: "pk" | "gsi1pk",
  partition: string,
): Record<string, string> | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalidCursor();
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw invalidCursor();
  const key = parsed as Record<string, unknown>;
  const expected: readonly string[] = CURSOR_ATTRIBUTES[partitionAttribute];
  const valid = Object.keys(key).length === expected.length && expected.every((name) => typeof key[name] === "string");
  if (!valid || key[partitionAttribute] !== partition) throw invalidCursor();
  return key as Record<string, string>;
}

function invalidCursor(): BadRequestError {
  return new BadRequestError("The cursor is invalid for this list.", { param: "cursor", code: "invalid_cursor" });
}
