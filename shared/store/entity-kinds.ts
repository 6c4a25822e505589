import type { GsiKey, ItemKey } from "./item-table";
import type {
  ApiKeyRecord,
  PromptPartial,
  PromptPartialVersion,
  PromptVersionRecord,
  SavedConfig,
  SavedConfigVersion,
  SavedGuardrail,
  SavedGuardrailVersion,
  SavedPrompt,
  VirtualKeyRecord,
  Workspace,
} from "./types";

/**
 * One definition per control-plane entity: where its items live in the single table, how it is listed, how it is
 * versioned and which of its fields are secret. `EntityRepository` turns a definition into the generic operations
 * (the same conditions for every kind); docs/data-model.md is the table of these definitions.
 *
 *   get      GetItem key(id), ConsistentRead; `expiresAt` in the past -> absent
 *   create   PutItem  ConditionExpression attribute_not_exists(pk)                       else ConflictError (409)
 *   replace  PutItem  ConditionExpression attribute_exists(pk) AND version = :expected    else NotFound / Conflict
 *   write    PutItem  ConditionExpression attribute_not_exists(pk), false when present (immutable items)
 *   delete   DeleteItem key(id)
 *   list     the kind's `list` query, paginated by an opaque cursor checked against the list's partition
 */
export interface EntityKind<T extends object, Id extends readonly Part[], Scope extends readonly Part[]> {
  /** The `entity` attribute of its items. */
  readonly entity: string;
  /** How messages name it: `${noun} '<last id part>'`. */
  readonly noun: string;
  /**
   * `optimistic`: mutable; `version` starts at 1, every replace names the version it read and bumps it (the losing
   * writer of a race gets a 409, no write is lost). `immutable`: written once, never replaced (snapshots).
   */
  readonly versioning: "optimistic" | "immutable";
  /** Fields holding secret material: never returned by the admin API, never logged. */
  readonly secretFields: readonly (keyof T & string)[];
  /** The primary key of the item with this id. */
  key(...id: Id): ItemKey;
  idOf(value: T): Id;
  /** The item's `gsi1` entry, if it has one. */
  index?(value: T): GsiKey;
  /** How the kind is listed within a scope. */
  list(...scope: Scope): ListQuery;
}

export type Part = string | number;

/** A list: one base-table partition under a sort-key prefix (consistent), or one `gsi1` partition. */
export type ListQuery =
  | { readonly on: "table"; readonly pk: string; readonly skPrefix: string }
  | { readonly on: "gsi1"; readonly gsi1pk: string };

/** Sortable creation stamp: zero-padded epoch ms, then the id to break ties. */
function creationSortKey(createdAt: number, id: string): string {
  return `${String(createdAt).padStart(15, "0")}#${id}`;
}

/** Version numbers sort as strings: 10 digits. */
function versionSortKey(version: number): string {
  return String(version).padStart(10, "0");
}

/** A workspace's partition: the workspace item and its virtual keys, configs and prompts (with their versions). */
export function workspacePartition(workspaceId: string): string {
  return `WS#${workspaceId}`;
}

/**
 * Workspace. pk `WS#<id>`, sk `WS`; gsi1 `WORKSPACES` / `<createdAt>#<id>`: all workspaces in creation order.
 * Its partition also holds the workspace's virtual keys, configs and prompts (and their versions).
 */
export const workspaceKind: EntityKind<Workspace, [id: string], []> = {
  entity: "workspace",
  noun: "Workspace",
  versioning: "optimistic",
  secretFields: [],
  key: (id) => ({ pk: workspacePartition(id), sk: "WS" }),
  idOf: (w) => [w.id],
  index: (w) => ({ gsi1pk: "WORKSPACES", gsi1sk: creationSortKey(w.createdAt, w.id) }),
  list: () => ({ on: "gsi1", gsi1pk: "WORKSPACES" }),
};

/**
 * Gateway API key. pk `APIKEY#<id>`, sk `APIKEY` (its own partition: authentication reads it by the id embedded in
 * the key, without knowing the workspace); gsi1 `WS#<ws>#APIKEYS` / `<createdAt>#<id>`: a workspace's keys in
 * creation order. Optional `expiresAt` is the DynamoDB TTL attribute.
 */
export const apiKeyKind: EntityKind<ApiKeyRecord, [id: string], [workspaceId: string]> = {
  entity: "api-key",
  noun: "API key",
  versioning: "optimistic",
  secretFields: ["secretHash"],
  key: (id) => ({ pk: `APIKEY#${id}`, sk: "APIKEY" }),
  idOf: (k) => [k.id],
  index: (k) => ({ gsi1pk: apiKeyListPartition(k.workspaceId), gsi1sk: creationSortKey(k.createdAt, k.id) }),
  list: (workspaceId) => ({ on: "gsi1", gsi1pk: apiKeyListPartition(workspaceId) }),
};

function apiKeyListPartition(workspaceId: string): string {
  return `WS#${workspaceId}#APIKEYS`;
}

/** Objects addressed by a slug unique per workspace: sk `<prefix>#<slug>`; gsi1 `SLUG#<prefix>#<slug>` / `WS#<ws>`. */
function slugKind<T extends { readonly workspaceId: string; readonly slug: string }>(
  entity: string,
  noun: string,
  prefix: string,
  secretFields: readonly (keyof T & string)[],
): EntityKind<T, [workspaceId: string, slug: string], [workspaceId: string]> {
  return {
    entity,
    noun,
    versioning: "optimistic",
    secretFields,
    key: (workspaceId, slug) => ({ pk: workspacePartition(workspaceId), sk: `${prefix}#${slug}` }),
    idOf: (value) => [value.workspaceId, value.slug],
    index: (value) => ({ gsi1pk: slugOwnersPartition(prefix, value.slug), gsi1sk: `WS#${value.workspaceId}` }),
    list: (workspaceId) => ({ on: "table", pk: workspacePartition(workspaceId), skPrefix: `${prefix}#` }),
  };
}

function slugOwnersPartition(prefix: string, slug: string): string {
  return `SLUG#${prefix}#${slug}`;
}

/** Which workspaces hold a slug (the root key addresses objects without a workspace): `Query gsi1`. */
export const slugOwners = {
  "virtual-key": (slug: string) => slugOwnersPartition("VK", slug),
  config: (slug: string) => slugOwnersPartition("CFG", slug),
  prompt: (slug: string) => slugOwnersPartition("PROMPT", slug),
  guardrail: (slug: string) => slugOwnersPartition("GR", slug),
  partial: (slug: string) => slugOwnersPartition("PARTIAL", slug),
} as const;

/** Virtual key: pk `WS#<ws>`, sk `VK#<slug>`. The provider secret is stored only as cipher output. */
export const virtualKeyKind = slugKind<VirtualKeyRecord>("virtual-key", "Virtual key", "VK", ["encryptedSecret"]);

/** Saved config head: pk `WS#<ws>`, sk `CFG#<slug>`; the current `configJson` and `version`. */
export const configKind = slugKind<SavedConfig>("config", "Config", "CFG", []);

/** Prompt head: pk `WS#<ws>`, sk `PROMPT#<slug>`; the latest content, `promptVersion`, `publishedVersion`. */
export const promptKind = slugKind<SavedPrompt>("prompt", "Prompt", "PROMPT", []);

/** Saved guardrail head: pk `WS#<ws>`, sk `GR#<slug>`; the current checks, actions and `version`. */
export const guardrailKind = slugKind<SavedGuardrail>("guardrail", "Guardrail", "GR", []);

/** Prompt partial head: pk `WS#<ws>`, sk `PARTIAL#<slug>`; the latest text, `partialVersion`, `publishedVersion`. */
export const partialKind = slugKind<PromptPartial>("prompt-partial", "Prompt partial", "PARTIAL", []);

/** Immutable snapshots under their head's partition: sk `<prefix>#<slug>#<n, 10 digits>`, listed oldest first. */
function versionKind<T extends { readonly workspaceId: string; readonly slug: string }>(
  entity: string,
  noun: string,
  prefix: string,
  versionOf: (value: T) => number,
): EntityKind<T, [workspaceId: string, slug: string, version: number], [workspaceId: string, slug: string]> {
  return {
    entity,
    noun,
    versioning: "immutable",
    secretFields: [],
    key: (workspaceId, slug, version) => ({
      pk: workspacePartition(workspaceId),
      sk: `${prefix}#${slug}#${versionSortKey(version)}`,
    }),
    idOf: (value) => [value.workspaceId, value.slug, versionOf(value)],
    list: (workspaceId, slug) => ({ on: "table", pk: workspacePartition(workspaceId), skPrefix: `${prefix}#${slug}#` }),
  };
}

/** Config version: sk `CFGV#<slug>#<version>`. `CFG#` does not prefix `CFGV#`, so head lists never see versions. */
export const configVersionKind = versionKind<SavedConfigVersion>(
  "config-version",
  "Config version",
  "CFGV",
  (v) => v.version,
);

/** Prompt version: sk `PROMPTV#<slug>#<n>` (n = `promptVersion`). `PROMPT#` does not prefix `PROMPTV#` either. */
export const promptVersionKind = versionKind<PromptVersionRecord>(
  "prompt-version",
  "Prompt version",
  "PROMPTV",
  (v) => v.promptVersion,
);

/** Guardrail version: sk `GRV#<slug>#<version>` (`GR#` does not prefix `GRV#`). */
export const guardrailVersionKind = versionKind<SavedGuardrailVersion>(
  "guardrail-version",
  "Guardrail version",
  "GRV",
  (v) => v.version,
);

/** Prompt partial version: sk `PARTIALV#<slug>#<n>` (`PARTIAL#` does not prefix `PARTIALV#`). */
export const partialVersionKind = versionKind<PromptPartialVersion>(
  "prompt-partial-version",
  "Prompt partial version",
  "PARTIALV",
  (v) => v.partialVersion,
);

/** A small system value (e.g. the sealed API-key pepper): pk `SYSTEM`, sk `<name>`, written once. */
export interface SystemValue {
  readonly name: string;
  readonly value: string;
}

export const systemValueKind: EntityKind<SystemValue, [name: string], []> = {
  entity: "system",
  noun: "System value",
  versioning: "immutable",
  secretFields: ["value"],
  key: (name) => ({ pk: "SYSTEM", sk: name }),
  idOf: (v) => [v.name],
  list: () => ({ on: "table", pk: "SYSTEM", skPrefix: "" }),
};

/** Every kind, for checks that must cover them all (e.g. that no secret field reaches an API response). */
export const ENTITY_KINDS = [
  workspaceKind,
  apiKeyKind,
  virtualKeyKind,
  configKind,
  configVersionKind,
  promptKind,
  promptVersionKind,
  guardrailKind,
  guardrailVersionKind,
  partialKind,
  partialVersionKind,
  systemValueKind,
] as const;
