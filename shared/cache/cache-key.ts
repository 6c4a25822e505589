import { createHash } from "node:crypto";
import type { Endpoint } from "../providers/types";

/**
 * The exact-match cache key: SHA-256 over a canonical form of everything that can change the answer.
 * - every body parameter (messages, tools, tool_choice, temperature, top_p, seed, response_format, n, stop,
 *   logit_bias, logprobs, max_tokens, reasoning_effort...), objects with sorted keys, arrays in order;
 * - the resolved provider and model (not the `model` string the client sent, which may be an alias), the
 *   endpoint, the workspace and the `x-portkey-cache-namespace` header;
 * - who answers: the custom host (base URL), the virtual key, and the provider options (Azure resource,
 *   deployment and API version, Bedrock region...) except credentials, so an answer seeded through one upstream
 *   (say, a host the client chose) is never served for another.
 * Left out, because they do not change the answer: `stream` and `stream_options` (a cached answer is replayed as
 * SSE when asked), `user`, `safety_identifier`, `metadata`, `store`, `prompt_cache_key`; and top-level
 * parameters set to `null` (OpenAI treats them as absent). See docs/adr/0017-cache-key-canonicalisation.md.
 */
export interface CacheKeyInput {
  readonly workspaceId: string;
  readonly endpoint: Endpoint;
  readonly provider: string;
  readonly model: string;
  /** The OpenAI-shaped body after override_params, exactly as it goes to the provider transform. */
  readonly body: Readonly<Record<string, unknown>>;
  readonly namespace?: string;
  /** The target's base URL override (`x-portkey-custom-host`, a config's or virtual key's `custom_host`). */
  readonly customHost?: string;
  /** The virtual key that answers, when the target is one. */
  readonly virtualKey?: string;
  /** The target's provider options; credentials among them are left out of the key. */
  readonly options?: Readonly<Record<string, string | undefined>>;
  /** Semantic mode: the embedding target, as vectors from different targets are not comparable. */
  readonly embeddingTarget?: string;
}

/** v2: the key names who answers (custom host, virtual key, provider options). */
export const CACHE_KEY_VERSION = "v2";

/** Provider options that pick an account, not an answer: never part of a key. */
const CREDENTIAL_OPTIONS: ReadonlySet<string> = new Set([
  "apiKey",
  "awsAccessKeyId",
  "awsSecretAccessKey",
  "awsSessionToken",
  "vertexServiceAccountJson",
]);

export const PARAMS_OUTSIDE_KEY: ReadonlySet<string> = new Set([
  "model",
  "stream",
  "stream_options",
  "user",
  "safety_identifier",
  "metadata",
  "store",
  "prompt_cache_key",
]);

export function cacheKey(input: CacheKeyInput): string {
  const params: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(input.body)) {
    if (value === null || value === undefined || PARAMS_OUTSIDE_KEY.has(name)) continue;
    params[name] = value;
  }
  const canonical = canonicalJson([
    CACHE_KEY_VERSION,
    input.workspaceId,
    input.namespace ?? "",
    input.endpoint,
    input.provider,
    targetIdentity(input),
    input.model,
    params,
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}

/** Who answers, beyond the provider: custom host, virtual key, non-credential provider options (empty: `[]`). */
export function targetIdentity(input: CacheKeyInput): unknown[] {
  const { customHost, virtualKey, options } = input;
  let kept: Record<string, string> | undefined;
  for (const name in options) {
    const value = options[name];
    if (value === undefined || CREDENTIAL_OPTIONS.has(name)) continue;
    kept ??= {};
    kept[name] = value;
  }
  if (customHost === undefined && virtualKey === undefined && kept === undefined) return [];
  return [customHost ?? "", virtualKey ?? "", kept ?? {}];
}

/** JSON with object keys sorted at every depth; `undefined` members dropped as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
}
