import { createHash } from "node:crypto";
import type { Endpoint } from "../../providers/types";
import { CACHE_KEY_VERSION, type CacheKeyInput, canonicalJson, PARAMS_OUTSIDE_KEY, targetIdentity } from "../cache-key";

/**
 * When a request may be answered by a *similar* earlier one, and with what. Safe only if everything except the
 * wording of the last user turn is identical: same workspace, namespace, target (provider, custom host, virtual
 * key, provider options), model, embedding target, every parameter
 * (temperature, tools, response_format, seed...), the same system prompt and the same earlier turns. Those form
 * the `contextHash`; the last user turn's text is what gets embedded and compared.
 * Not eligible: other endpoints, a last message that is not from the user, non-text parts (images, audio, files),
 * `n > 1`, or a last turn longer than `MAX_SEMANTIC_TEXT_CHARS`.
 */
export const MAX_SEMANTIC_TEXT_CHARS = 8_000;

export type SemanticView =
  | { readonly eligible: true; readonly contextHash: string; readonly text: string }
  | { readonly eligible: false; readonly reason: string };

export function semanticView(input: CacheKeyInput): SemanticView {
  if (input.endpoint !== ("chat" satisfies Endpoint)) return { eligible: false, reason: "not a chat completion" };
  const messages = input.body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return { eligible: false, reason: "no messages" };
  const last = messages[messages.length - 1] as Record<string, unknown>;
  if (last?.role !== "user") return { eligible: false, reason: "the last message is not a user turn" };
  const text = textOf(last.content);
  if (text === undefined) return { eligible: false, reason: "the last user turn has non-text parts" };
  if (text.length > MAX_SEMANTIC_TEXT_CHARS) return { eligible: false, reason: "the last user turn is too long" };
  if (typeof input.body.n === "number" && input.body.n > 1) return { eligible: false, reason: "n > 1" };

  const params: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(input.body)) {
    if (value === null || value === undefined || PARAMS_OUTSIDE_KEY.has(name) || name === "messages") continue;
    params[name] = value;
  }
  const { content: _lastContent, ...lastWithoutContent } = last;
  const context = canonicalJson([
    CACHE_KEY_VERSION,
    "semantic",
    input.workspaceId,
    input.namespace ?? "",
    input.provider,
    targetIdentity(input),
    input.embeddingTarget ?? "",
    input.model,
    params,
    messages.slice(0, -1),
    lastWithoutContent,
  ]);
  return { eligible: true, contextHash: createHash("sha256").update(context).digest("hex").slice(0, 32), text };
}

function textOf(content: unknown): string | undefined {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return undefined;
  const parts: string[] = [];
  for (const part of content as Record<string, unknown>[]) {
    if (part?.type !== "text" || typeof part.text !== "string") return undefined;
    parts.push(part.text);
  }
  return parts.join("\n");
}
