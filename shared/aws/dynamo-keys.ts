import { BadRequestError } from "../core/errors";

/**
 * Key layout of the single control-plane table (documented in docs/data-model.md). Only this file and the DynamoDB
 * adapter know it. Primary key `pk`/`sk`, one GSI `gsi1` on `gsi1pk`/`gsi1sk`, TTL attribute `expiresAt`.
 */
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

/** Sortable creation stamp: zero-padded epoch ms, then the id to break ties. */
function creationSortKey(createdAt: number, id: string): string {
  return `${String(createdAt).padStart(15, "0")}#${id}`;
}

export const keys = {
  workspace: (id: string): ItemKey => ({ pk: `WS#${id}`, sk: "WS" }),
  workspaceList: (createdAt: number, id: string): GsiKey => ({
    gsi1pk: "WORKSPACES",
    gsi1sk: creationSortKey(createdAt, id),
  }),
  workspacePartition: (id: string): string => `WS#${id}`,

  apiKey: (id: string): ItemKey => ({ pk: `APIKEY#${id}`, sk: "APIKEY" }),
  apiKeyList: (workspaceId: string, createdAt: number, id: string): GsiKey => ({
    gsi1pk: `WS#${workspaceId}#APIKEYS`,
    gsi1sk: creationSortKey(createdAt, id),
  }),
  apiKeyListPartition: (workspaceId: string): string => `WS#${workspaceId}#APIKEYS`,

  virtualKey: (workspaceId: string, slug: string): ItemKey => ({ pk: `WS#${workspaceId}`, sk: `VK#${slug}` }),
  virtualKeySlug: (workspaceId: string, slug: string): GsiKey => ({
    gsi1pk: `SLUG#VK#${slug}`,
    gsi1sk: `WS#${workspaceId}`,
  }),
  virtualKeyPrefix: "VK#",

  config: (workspaceId: string, slug: string): ItemKey => ({ pk: `WS#${workspaceId}`, sk: `CFG#${slug}` }),
  configSlug: (workspaceId: string, slug: string): GsiKey => ({
    gsi1pk: `SLUG#CFG#${slug}`,
    gsi1sk: `WS#${workspaceId}`,
  }),
  configPrefix: "CFG#",
  configVersion: (workspaceId: string, slug: string, version: number): ItemKey => ({
    pk: `WS#${workspaceId}`,
    sk: `CFGV#${slug}#${String(version).padStart(10, "0")}`,
  }),
  configVersionPrefix: (slug: string): string => `CFGV#${slug}#`,

  prompt: (workspaceId: string, slug: string): ItemKey => ({ pk: `WS#${workspaceId}`, sk: `PROMPT#${slug}` }),
  promptSlug: (workspaceId: string, slug: string): GsiKey => ({
    gsi1pk: `SLUG#PROMPT#${slug}`,
    gsi1sk: `WS#${workspaceId}`,
  }),
  promptPrefix: "PROMPT#",
  promptVersion: (workspaceId: string, slug: string, version: number): ItemKey => ({
    pk: `WS#${workspaceId}`,
    sk: `PROMPTV#${slug}#${String(version).padStart(10, "0")}`,
  }),
  promptVersionPrefix: (slug: string): string => `PROMPTV#${slug}#`,

  slugOwners: (kind: "virtual-key" | "config" | "prompt", slug: string): string =>
    kind === "virtual-key" ? `SLUG#VK#${slug}` : kind === "config" ? `SLUG#CFG#${slug}` : `SLUG#PROMPT#${slug}`,

  system: (name: string): ItemKey => ({ pk: "SYSTEM", sk: name }),
} as const;

/** Attributes that belong to the storage layout, stripped before an item becomes an entity. */
export const LAYOUT_ATTRIBUTES = ["pk", "sk", "gsi1pk", "gsi1sk", "entity"] as const;

const CURSOR_ATTRIBUTES = new Set(["pk", "sk", "gsi1pk", "gsi1sk"]);

export function encodeCursor(lastEvaluatedKey: Record<string, unknown> | undefined): string | undefined {
  if (lastEvaluatedKey === undefined) return undefined;
  return Buffer.from(JSON.stringify(lastEvaluatedKey), "utf8").toString("base64url");
}

/**
 * Decodes a cursor and checks it belongs to the list being read (`partitionAttribute` must equal `partition`), so a
 * cursor can neither be forged into another workspace's list nor crash the query.
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
  const entries = Object.entries(parsed);
  const valid = entries.every(([name, value]) => CURSOR_ATTRIBUTES.has(name) && typeof value === "string");
  const key = Object.fromEntries(entries) as Record<string, string>;
  if (!valid || key[partitionAttribute] !== partition) throw invalidCursor();
  return key;
}

function invalidCursor(): BadRequestError {
  return new BadRequestError("The cursor is invalid for this list.", { param: "cursor", code: "invalid_cursor" });
}
