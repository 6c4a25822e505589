import { NotFoundError, PermissionError } from "../core/errors";
import { knownSecrets } from "../core/known-secrets";
import type { SecretCipher } from "../crypto/secret-cipher";
import type { ControlStore } from "./control-store";
import { TtlCache } from "./ttl-cache";
import type { ProviderOptions, VirtualKeyRecord, VirtualKeySecret } from "./types";

/** A virtual key ready for an upstream call: decrypted secret plus provider fields. Lives only in memory. */
export interface ResolvedVirtualKey {
  readonly workspaceId: string;
  readonly slug: string;
  readonly provider: string;
  readonly version: number;
  readonly secret: VirtualKeySecret;
  readonly options: ProviderOptions;
  readonly usageLimits?: Readonly<Record<string, unknown>>;
  readonly rateLimits?: readonly Readonly<Record<string, unknown>>[];
}

export interface VirtualKeyResolverOptions {
  readonly store: Pick<ControlStore, "getVirtualKey">;
  readonly cipher: SecretCipher;
  /** Default 60 000: a rotated/deleted virtual key is picked up within this time. */
  readonly ttlMs?: number;
  /** Default 5 000: how long "no such key" is remembered. */
  readonly negativeTtlMs?: number;
  readonly maxEntries?: number;
  readonly now?: () => number;
}

type Entry = ResolvedVirtualKey | { readonly missing: true } | { readonly inactive: string };

/**
 * Gateway side: resolves `(workspace, slug)` to a decrypted virtual key. Warm lookups are served from memory (no
 * DynamoDB or KMS round trip); concurrent cold lookups of one key share one read and one decrypt.
 */
export class VirtualKeyResolver {
  private readonly cache: TtlCache<string, Entry>;
  private readonly ttlMs: number;
  private readonly negativeTtlMs: number;

  constructor(private readonly options: VirtualKeyResolverOptions) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.negativeTtlMs = options.negativeTtlMs ?? 5_000;
    this.cache = new TtlCache({
      maxEntries: options.maxEntries ?? 5_000,
      ...(options.now ? { now: options.now } : {}),
    });
  }

  async resolve(workspaceId: string, slug: string): Promise<ResolvedVirtualKey> {
    const entry = await this.cache.getOrLoad(
      `${workspaceId}\u0000${slug}`,
      () => this.load(workspaceId, slug),
      (loaded) => ("slug" in loaded ? this.ttlMs : this.negativeTtlMs),
    );
    if ("missing" in entry) {
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
    this.cache.delete(`${workspaceId}\u0000${slug}`);
  }

  private async load(workspaceId: string, slug: string): Promise<Entry> {
    const record = await this.options.store.getVirtualKey(workspaceId, slug);
    if (record === undefined) return { missing: true };
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
