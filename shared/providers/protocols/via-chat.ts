import type { Endpoint } from "../../core/endpoints";
import { type LazyEngine, lazyEngine, OnDemandLoadError } from "../../core/lazy-engine";
import type { ChatProtocol } from "./chat-protocol";

/**
 * The chat translation layer's code (Responses: 17 kB, Messages: 10 kB) loads with the first request to one of
 * its endpoints, not at cold start (ADR 0044): the attempt awaits `loadChatLayer` before a provider's transforms
 * run, and the protocols below call into the loaded module.
 */
const responses = lazyEngine("Responses translation", () => import("./responses-protocol"));
const messages = lazyEngine("Messages translation", () => import("./messages-protocol"));

/** `ChatProtocol` calls forwarded to the loaded module's protocol (`EngineNotLoadedError` before it is loaded). */
function onDemand<M>(engine: LazyEngine<M>, protocolOf: (module: M) => ChatProtocol): ChatProtocol {
  return {
    toChat: (body) => protocolOf(engine.get()).toChat(body),
    fromChat: (chat, ctx) => protocolOf(engine.get()).fromChat(chat, ctx),
    streamFromChat: (chat, ctx) => protocolOf(engine.get()).streamFromChat(chat, ctx),
  };
}

/** What each endpoint with chat-layer code loads (`VIA_CHAT` and `LOCAL_ANSWERS`). */
const CHAT_LAYER_CODE: Readonly<Partial<Record<Endpoint, LazyEngine<unknown>>>> = {
  responses,
  responses_get: responses,
  responses_delete: responses,
  responses_input_items: responses,
  messages,
  messages_count_tokens: messages,
};

/**
 * The endpoints every chat provider serves through the chat translation layer, unless it declares them itself:
 * one entry per client-facing wire format (chat-protocol.ts).
 */
export const VIA_CHAT: Readonly<Partial<Record<Endpoint, ChatProtocol>>> = {
  responses: onDemand(responses, (m) => m.RESPONSES_PROTOCOL),
  responses_get: onDemand(responses, (m) => m.NOT_STORED),
  responses_delete: onDemand(responses, (m) => m.NOT_STORED),
  responses_input_items: onDemand(responses, (m) => m.NOT_STORED),
  messages: onDemand(messages, (m) => m.MESSAGES_PROTOCOL),
};

/**
 * Loads the chat layer's code for `endpoint` (once per process); undefined for an endpoint without any. A failed
 * import is a 500 `translation_unavailable`, tried again by the next request.
 */
export function loadChatLayer(endpoint: Endpoint): Promise<unknown> | undefined {
  return CHAT_LAYER_CODE[endpoint]?.load().catch((err: unknown) => {
    throw new OnDemandLoadError(`the ${endpoint} translation`, "translation_unavailable", err);
  });
}

/** The Messages module once loaded (for `LOCAL_ANSWERS`). */
export function messagesLayer(): typeof import("./messages-protocol") {
  return messages.get();
}
