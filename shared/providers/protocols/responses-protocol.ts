import { NotFoundError } from "../../core/errors";
import type { ChatProtocol } from "./chat-protocol";
import { chatToResponse } from "./responses-answer";
import { responsesToChat } from "./responses-request";
import { ResponsesFromChatStream } from "./responses-stream";

/** OpenAI's Responses API through the chat translation layer (docs/responses.md, ADR 0029). */
export const RESPONSES_PROTOCOL: ChatProtocol = {
  toChat: responsesToChat,
  fromChat: chatToResponse,
  streamFromChat: (chat, ctx) => new ResponsesFromChatStream(chat, ctx),
};

/**
 * Reading or deleting a stored response on a provider without a Responses API of its own: the gateway's store
 * answers for the ids it holds before any provider is asked (the responses step), so an id that reaches a provider
 * here is one this workspace does not have: OpenAI's 404.
 */
export const NOT_STORED: ChatProtocol = {
  toChat() {
    throw new NotFoundError("No response with this id was found in this workspace.", { param: "response_id" });
  },
  fromChat: (chat) => chat,
  streamFromChat: (chat) => chat,
};
