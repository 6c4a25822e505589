import type { Endpoint } from "../../core/endpoints";
import type { TransformContext, TranslatedResponse } from "../types";
import { messagesLayer } from "./via-chat";

/** An answer the gateway makes itself, without an upstream call. Pure. */
export type LocalAnswer = (ctx: TransformContext) => TranslatedResponse;

/**
 * Endpoints the gateway answers itself for every chat provider that does not declare them (as VIA_CHAT serves
 * endpoints through the chat layer): Anthropic's token count is an estimate elsewhere (ADR 0030).
 */
export const LOCAL_ANSWERS: Readonly<Partial<Record<Endpoint, LocalAnswer>>> = {
  // (the estimate loads with the Messages translation, `loadChatLayer`)
  messages_count_tokens: (ctx) => messagesLayer().countTokensEstimate(ctx),
};
