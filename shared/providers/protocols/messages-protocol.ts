import { requestedModel } from "../adapter-kit";
import type { ChatProtocol } from "./chat-protocol";
import { messageFromChat } from "./messages-from-chat";
import { MessagesStreamTranslator } from "./messages-stream";
import { messagesToChat } from "./messages-to-chat";

export { countTokensEstimate } from "./messages-count-tokens";

/**
 * Anthropic's Messages API (`POST /v1/messages`) through the chat layer, for every chat provider that does not
 * serve it natively (anthropic does; ADR 0030, docs/anthropic-messages.md).
 */
export const MESSAGES_PROTOCOL: ChatProtocol = {
  toChat: messagesToChat,
  fromChat: messageFromChat,
  streamFromChat: (chat, ctx) => new MessagesStreamTranslator(chat, requestedModel(ctx.body)),
};
