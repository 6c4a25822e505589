import { createHash } from "node:crypto";
import type { EmbeddingMemo } from "../cache/semantic/embedding-memo";
import type { Embed } from "../cache/semantic/semantic-cache";
import { BadRequestError, UpstreamUnavailableError } from "../core/errors";
import type { AnySignal } from "../http/abort-source";
import type { UpstreamTransport } from "../http/upstream";
import { virtualKeyHostOverride } from "../providers/provider-options";
import type { ProviderRegistry } from "../providers/registry";
import type { ProviderTarget, TransformContext } from "../providers/types";
import type { EmbeddingTargetSettings } from "../routing/plan";
import { runAttempt } from "./attempt";
import type { VirtualKeyResolver } from "./leaf-target";

/**
 * The semantic cache's embeddings, called through the gateway's own provider layer: the same registry, transport
 * (pooled, SSRF-guarded) and per-workspace virtual keys as the request itself. One OpenAI-shaped `embeddings`
 * call per text; the answer (float array or base64 float32, whatever the adapter produced) becomes the vector.
 * Errors are thrown; the semantic cache turns them into a plain MISS, so they never fail the user's request.
 */
export interface EmbeddingCallContext {
  readonly providers: ProviderRegistry;
  readonly transport: UpstreamTransport;
  /** The caller's workspace virtual keys (undefined without a control plane). */
  readonly virtualKeys: VirtualKeyResolver | undefined;
  /** The client's signal: a client that goes away cancels the embedding call too. */
  readonly signal: AnySignal;
}

/** An embedding call sits in front of the answer: it gets a short limit of its own. */
export const EMBEDDING_TIMEOUT_MS = 5_000;

/** The per-request `Embed` for a config's embedding target, memoised per workspace, target and model. */
export function embedderFor(
  settings: EmbeddingTargetSettings,
  workspaceId: string,
  ctx: EmbeddingCallContext,
  memo: EmbeddingMemo | undefined,
): Embed {
  const embed: Embed = (text) => embedText(settings, text, ctx);
  return memo ? memo.wrap(memoScope(settings, workspaceId), embed) : embed;
}

function memoScope(settings: EmbeddingTargetSettings, workspaceId: string): string {
  return `${workspaceId}\n${embeddingTargetId(settings)}`;
}

const targetIds = new WeakMap<EmbeddingTargetSettings, string>();

/** Who computes the vectors (virtual key or provider + key digest, custom host, model); once per compiled plan. */
export function embeddingTargetId(settings: EmbeddingTargetSettings): string {
  let id = targetIds.get(settings);
  if (id === undefined) {
    const target = settings.virtualKey
      ? `vk:${settings.virtualKey}`
      : `p:${settings.provider}:${createHash("sha256")
          .update(settings.apiKey ?? "")
          .digest("base64url")
          .slice(0, 16)}`;
    id = [target, settings.customHost ?? "", settings.model].join("\n");
    targetIds.set(settings, id);
  }
  return id;
}

async function targetOf(settings: EmbeddingTargetSettings, ctx: EmbeddingCallContext): Promise<ProviderTarget> {
  if (settings.virtualKey) {
    if (!ctx.virtualKeys) {
      throw new BadRequestError("cache.embedding: virtual keys are not available on this gateway.", {
        code: "virtual_key_unavailable",
      });
    }
    // refused when the config is compiled; checked here too, next to the secret it protects
    if (settings.customHost) throw virtualKeyHostOverride("cache.embedding.custom_host");
    return ctx.virtualKeys.resolve(settings.virtualKey);
  }
  return { provider: settings.provider as string, apiKey: settings.apiKey, customHost: settings.customHost };
}

/** One upstream embeddings call for one text; resolves with its vector. */
export async function embedText(
  settings: EmbeddingTargetSettings,
  text: string,
  ctx: EmbeddingCallContext,
): Promise<number[]> {
  const target = await targetOf(settings, ctx);
  const adapter = await ctx.providers.load(target.provider);
  adapter.requireEndpoint("embeddings"); // 400 unsupported_endpoint: the lookup becomes a plain MISS
  const body = { model: settings.model, input: text };
  const transform: TransformContext = {
    endpoint: "embeddings",
    target,
    body,
    rawBody: Buffer.from(JSON.stringify(body)),
    contentType: "application/json",
    bodyChanged: false,
  };
  const result = await runAttempt({
    adapter,
    ctx: transform,
    transport: ctx.transport,
    clientSignal: ctx.signal,
    timeoutMs: EMBEDDING_TIMEOUT_MS,
    streamIdleTimeoutMs: EMBEDDING_TIMEOUT_MS,
    onStreamEnd: noStream,
  });
  if (result.kind !== "json") throw new UpstreamUnavailableError("The embedding target answered with a stream.");
  return parseEmbedding(result.response.body);
}

function noStream(): void {}

/** The first vector of an OpenAI embeddings response (`embedding` as a float array or base64 float32 LE). */
export function parseEmbedding(raw: string | Buffer): number[] {
  const parsed = JSON.parse(raw.toString()) as { data?: { embedding?: unknown }[] };
  const embedding = parsed.data?.[0]?.embedding;
  const vector =
    typeof embedding === "string"
      ? Array.from(float32Of(Buffer.from(embedding, "base64")))
      : Array.isArray(embedding)
        ? (embedding as unknown[])
        : undefined;
  if (!vector || vector.length === 0 || !vector.every((v) => typeof v === "number" && Number.isFinite(v))) {
    throw new UpstreamUnavailableError("The embedding target's answer holds no usable vector.", {
      code: "invalid_embedding",
    });
  }
  return vector as number[];
}

function float32Of(bytes: Buffer): Float32Array {
  const out = new Float32Array(Math.floor(bytes.byteLength / 4));
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}
