import type { Endpoint } from "../../core/endpoints";
import type { ChatProtocol } from "./chat-protocol";
import { MESSAGES_PROTOCOL } from "./messages-protocol";
import { RESPONSES_VIA_CHAT } from "./responses-protocol";

/**
 * The endpoints every chat provider serves through the chat translation layer, unless it declares them itself:
 * one entry per client-facing wire format (chat-protocol.ts).
 */
export const VIA_CHAT: Readonly<Partial<Record<Endpoint, ChatProtocol>>> = {
  ...RESPONSES_VIA_CHAT,
  messages: MESSAGES_PROTOCOL,
};
