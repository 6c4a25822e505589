import type { Scope } from "../core/principal";

/**
 * Control-plane entities in core terms. No storage types leak from here: the DynamoDB adapter maps these to items
 * (see docs/data-model.md). Every mutable entity carries `version`, bumped by one on each successful write; updates
 * name the version they expect and lose with a `ConflictError` (409) when someone else wrote first.
 * Times are epoch milliseconds; `expiresAt` (when present) is epoch seconds, as DynamoDB TTL wants it.
 */
export interface Versioned {
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface Workspace extends Versioned {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly defaults?: Readonly<Record<string, unknown>>;
  /** Slug of the saved config applied when neither the request nor its key names one. */
  readonly defaultConfigSlug?: string;
  /** The workspace budget and rate limits (every key of the workspace counts against them). */
  readonly usageLimits?: Readonly<Record<string, unknown>>;
  readonly rateLimits?: readonly Readonly<Record<string, unknown>>[];
  /** `false`: request and response bodies of this workspace's requests are not logged. Absent: logged. */
  readonly logBodies?: boolean;
}

export type ApiKeyStatus = "active" | "revoked";

export interface ApiKeyDefaults {
  readonly configId?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface ApiKeyRecord extends Versioned {
  readonly id: string;
  readonly workspaceId: string;
  readonly name: string;
  readonly description?: string;
  /** Portkey's `type`/`sub-type` path segments, kept for display. */
  readonly type: string;
  readonly subType: string;
  readonly scopes: readonly Scope[];
  readonly status: ApiKeyStatus;
  /** HMAC-SHA256(pepper, full key), hex. The key itself is never stored. */
  readonly secretHash: string;
  /** Non-secret display prefix, e.g. `pk-gw-3f9c2a71d0b84e55.Ab3d`. */
  readonly displayPrefix: string;
  readonly defaults?: ApiKeyDefaults;
  readonly rateLimits?: readonly Readonly<Record<string, unknown>>[];
  readonly usageLimits?: Readonly<Record<string, unknown>>;
  /** Epoch seconds; the key stops authenticating at this instant and DynamoDB TTL removes it later. */
  readonly expiresAt?: number;
}

/** Non-secret, provider-specific fields of a virtual key. */
export interface ProviderOptions {
  readonly resourceName?: string;
  readonly deploymentId?: string;
  readonly apiVersion?: string;
  readonly awsRegion?: string;
  /** Bedrock: a role assumed with STS AssumeRole, and the external id its trust policy asks for. */
  readonly awsRoleArn?: string;
  readonly awsExternalId?: string;
  readonly vertexProjectId?: string;
  readonly vertexRegion?: string;
  readonly customHost?: string;
}

/** The secret part of a virtual key; only ever stored encrypted (one ciphertext for the whole bundle). */
export interface VirtualKeySecret {
  readonly apiKey?: string;
  readonly awsAccessKeyId?: string;
  readonly awsSecretAccessKey?: string;
  readonly awsSessionToken?: string;
  /** A Google service-account key file (JSON text), for vertex-ai. */
  readonly vertexServiceAccountJson?: string;
}

export type VirtualKeyStatus = "active" | "exhausted" | "disabled";

export interface VirtualKeyRecord extends Versioned {
  readonly id: string;
  readonly workspaceId: string;
  /** Unique per workspace; never contains `/` so it can appear in `model: "@slug/model"`. */
  readonly slug: string;
  readonly name: string;
  readonly provider: string;
  readonly note?: string;
  readonly status: VirtualKeyStatus;
  readonly providerOptions: ProviderOptions;
  /** Output of `SecretCipher.encrypt(JSON.stringify(VirtualKeySecret), {workspace, virtualKey: slug})`. */
  readonly encryptedSecret: string;
  /** Display form of the main secret, e.g. `****wxyz`. */
  readonly maskedSecret: string;
  readonly usageLimits?: Readonly<Record<string, unknown>>;
  readonly rateLimits?: readonly Readonly<Record<string, unknown>>[];
}

export type ConfigStatus = "active" | "archived";

/** Head of a saved config: the current version's content plus metadata. */
export interface SavedConfig extends Versioned {
  readonly workspaceId: string;
  /** The config's id and slug (one value), e.g. `pc-prod-routing-4kd9a2`. */
  readonly slug: string;
  readonly name: string;
  readonly status: ConfigStatus;
  /** The config object as JSON text, exactly as validated. */
  readonly configJson: string;
}

/** An immutable snapshot written for each version of a saved config. */
export interface SavedConfigVersion {
  readonly workspaceId: string;
  readonly slug: string;
  readonly version: number;
  readonly name: string;
  readonly configJson: string;
  readonly createdAt: number;
}

export type GuardrailStatus = "active" | "archived";

/**
 * Head of a saved guardrail (Portkey's `/v1/guardrails`): a hook's checks and actions, referenced from configs by
 * its slug. JSON fields are kept as JSON text, exactly as validated.
 */
export interface SavedGuardrail extends Versioned {
  readonly workspaceId: string;
  /** The guardrail's id and slug (one value), e.g. `pg-no-secrets-4kd9a2`. */
  readonly slug: string;
  readonly name: string;
  readonly status: GuardrailStatus;
  /** JSON array of check objects (`[{id, parameters?, is_enabled?}]`). */
  readonly checksJson: string;
  /** JSON object: `{deny?, async?, on_success?, on_fail?}`. */
  readonly actionsJson: string;
}

/** An immutable snapshot written for each version of a saved guardrail. */
export interface SavedGuardrailVersion {
  readonly workspaceId: string;
  readonly slug: string;
  readonly version: number;
  readonly name: string;
  readonly checksJson: string;
  readonly actionsJson: string;
  readonly createdAt: number;
}

export type PartialStatus = "active" | "archived";

/**
 * Head of a prompt partial (Portkey's `/v1/prompts/partials`): a template that prompts (and other partials) include
 * with `{{> <slug>}}`. Like prompts, the head carries the latest version's text; `publishedVersion` is what an
 * include without `@n` renders.
 */
export interface PromptPartial extends Versioned {
  readonly workspaceId: string;
  /** The partial's id and slug (one value), e.g. `pl-signature-4kd9a2`; what templates name. */
  readonly slug: string;
  readonly name: string;
  readonly status: PartialStatus;
  readonly template: string;
  readonly versionDescription?: string;
  readonly partialVersion: number;
  readonly publishedVersion: number;
}

/** An immutable snapshot written for each version of a partial. */
export interface PromptPartialVersion {
  readonly workspaceId: string;
  readonly slug: string;
  readonly partialVersion: number;
  readonly template: string;
  readonly versionDescription?: string;
  readonly createdAt: number;
}

export interface PageRequest {
  /** 1..100. */
  readonly limit: number;
  /** Opaque cursor returned by the previous page. */
  readonly cursor?: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Present when more items may follow. */
  readonly nextCursor?: string;
}

export type SlugKind = "virtual-key" | "config" | "prompt" | "guardrail" | "partial";

export type PromptStatus = "active" | "archived";

/**
 * The content of one prompt version (Portkey's prompt object). JSON-valued fields are kept as JSON text, exactly
 * as validated, so every store keeps them byte for byte.
 */
export interface PromptContent {
  /** Portkey's `string`: a JSON array of chat messages, or plain text (one user message). Mustache templates. */
  readonly template: string;
  /** JSON object: model parameters (temperature, max_tokens, ...). */
  readonly parametersJson: string;
  readonly model?: string;
  /** Slug of the virtual key the prompt runs on (unless the request names its own routing). */
  readonly virtualKey?: string;
  readonly functionsJson?: string;
  readonly toolsJson?: string;
  readonly toolChoiceJson?: string;
  readonly templateMetadataJson?: string;
  /** Portkey's `version_description`. */
  readonly versionDescription?: string;
}

/**
 * Head of a saved prompt: metadata plus the content of its latest version. `version` is the optimistic-concurrency
 * counter of the head (bumped by every write, publishing included); `promptVersion` numbers the content versions.
 */
export interface SavedPrompt extends Versioned, PromptContent {
  readonly workspaceId: string;
  /** The prompt's id and slug (one value), e.g. `pp-support-reply-4kd9a2`. */
  readonly slug: string;
  readonly name: string;
  readonly collectionId?: string;
  readonly status: PromptStatus;
  /** Latest content version (1, 2, ...); the head carries its content. */
  readonly promptVersion: number;
  /** The published (default) version: what `/v1/prompts/{id}/completions` runs without a `@version` suffix. */
  readonly publishedVersion: number;
  /** Labels other than `production` (which is `publishedVersion`) -> the version each points at (`<id>@<label>`). */
  readonly labels?: Readonly<Record<string, number>>;
}

/** An immutable snapshot written for each content version of a prompt. */
export interface PromptVersionRecord extends PromptContent {
  readonly workspaceId: string;
  readonly slug: string;
  readonly promptVersion: number;
  readonly createdAt: number;
}
