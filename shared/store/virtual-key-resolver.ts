import { NotFoundError, PermissionError } from "../core/errors";
import { knownSecrets } from "../core/known-secrets";
import type { SecretCipher } from "../crypto/secret-cipher";
import { CachedLookup, LOOKUP_POLICIES, type LookupPolicy } from "./cached-lookup";
import type { ControlStore } from "./control-store";
import type { ProviderOptions, VirtualKeyRecord, VirtualKeySecret, VirtualKeyStatus } from "./types";

/** A virtual key ready for an upstream call: decrypted secret plus provider fields. Lives only in memory. */
export interface ResolvedVirtualKey
  extends Pick<VirtualKeyRecord, "workspaceId" | "slug" | "provider" | "version" | "usageLimits" | "rateLimits"> {
  readonly secret: VirtualKeySecret;
  readonly options: ProviderOptions;
}

/** A virtual key as the model catalog lists it: no secret, no options. */
export interface VirtualKeySummary {
  readonly slug: string;
  readonly provider: string;
}

/** The catalog reads at most this many virtual keys of a workspace (pages of 100). */
export const MAX_LISTED_VIRTUAL_KEYS = 1_000;

export interface VirtualKeyResolverOptions {
  readonly store: Pick<ControlStore, "getVirtualKey" | "listVirtualKeys">;
  readonly cipher: SecretCipher;
  /** Overrides of `LOOKUP_POLICIES.virtualKey` (a rotated/deleted key is picked up within `hitTtlMs`). */
  readonly policy?: Partial<LookupPolicy>;
  readonly now?: () => number;
}

type Entry = ResolvedVirtualKey | { readonly inactive: Exclude<VirtualKeyStatus, "active"> };

/**
 * Gateway side: resolves `(workspace, slug)` to a decrypted virtual key. Warm lookups are served from memory (no
 * DynamoDB or KMS round trip); concurrent cold lookups of one key share one read and one decrypt. A disabled or
 * exhausted key is remembered like a missing one (re-enabling it shows within the miss TTL).
 */
export class VirtualKeyResolver {
  private readonly lookup: CachedLookup<string, Entry>;
  private readonly lists: CachedLookup<string, readonly VirtualKeySummary[]>;

  constructor(private readonly options: VirtualKeyResolverOptions) {
    this.lookup = new CachedLookup<string, Entry>({
      ...LOOKUP_POLICIES.virtualKey,
      ...options.policy,
      load: (workspaceId, slug) => this.load(workspaceId, slug),
      isMiss: (entry) => "inactive" in entry,
      ...(options.now ? { now: options.now } : {}),
    });
    this.lists = new CachedLookup<string, readonly VirtualKeySummary[]>({
      ...LOOKUP_POLICIES.virtualKeyList,
      ...options.policy,
      load: (workspaceId) => this.loadList(workspaceId),
      ...(options.now ? { now: options.now } : {}),
    });
  }

  /**
   * The workspace's active virtual keys, by slug (at most `MAX_LISTED_VIRTUAL_KEYS`): from memory while fresh, like
   * the keys themselves, so the catalog reads the store once per workspace per TTL, never per request.
   */
  async list(workspaceId: string): Promise<readonly VirtualKeySummary[]> {
    return (await this.lists.get(workspaceId, "")) ?? [];
  }

  async resolve(workspaceId: string, slug: string): Promise<ResolvedVirtualKey> {
    const entry = await this.lookup.get(workspaceId, slug);
    if (entry === undefined) {
      throw new NotFoundError(`Virtual key '${slug}' not found.`, {
        param: "x-portkey-virtual-key",
        code: "virtual_key_not_found",
      });
    }
    if ("inactive" in entry) {
      throw new PermissionError(`Virtual key '${slug}' is ${entry.inactive}.`, { code: "virtual_key_inactive" });
    }
    return entry;
  }

  /** Drops a cached key (call after rotating/deleting it in this process). */
  forget(workspaceId: string, slug: string): void {
    this.lookup.forget(workspaceId, slug);
    this.lists.forget(workspaceId, "");
  }

  private async loadList(workspaceId: string): Promise<readonly VirtualKeySummary[]> {
    const keys: VirtualKeySummary[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.options.store.listVirtualKeys(workspaceId, { limit: 100, ...(cursor ? { cursor } : {}) });
      for (const record of page.items) {
        if (record.status === "active") keys.push(Object.freeze({ slug: record.slug, provider: record.provider }));
      }
      cursor = page.nextCursor;
    } while (cursor && keys.length < MAX_LISTED_VIRTUAL_KEYS);
    return Object.freeze(keys.slice(0, MAX_LISTED_VIRTUAL_KEYS));
  }

  private async load(workspaceId: string, slug: string): Promise<Entry | undefined> {
    const record = await this.options.store.getVirtualKey(workspaceId, slug);
    if (record === undefined) return undefined;
    if (record.status !== "active") return { inactive: record.status };
    return this.decrypt(record);
  }

  private async decrypt(record: VirtualKeyRecord): Promise<ResolvedVirtualKey> {
    const plaintext = await this.options.cipher.decrypt(record.encryptedSecret, {
      workspace: record.workspaceId,
      virtualKey: record.slug,
    });
    const secret = JSON.parse(plaintext) as VirtualKeySecret;
    // Whatever echoes it later (an upstream's answer or error), the request log must not show it.
    knownSecrets.add(secret.apiKey);
    knownSecrets.add(secret.awsSecretAccessKey);
    knownSecrets.add(secret.awsSessionToken);
    knownSecrets.add(secret.vertexServiceAccountJson);
    return {
      workspaceId: record.workspaceId,
      slug: record.slug,
      provider: record.provider,
      version: record.version,
      secret,
      options: record.providerOptions,
      ...(record.usageLimits === undefined ? {} : { usageLimits: record.usageLimits }),
      ...(record.rateLimits === undefined ? {} : { rateLimits: record.rateLimits }),
    };
  }
}
