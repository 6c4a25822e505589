import type { StreamTranslator, TransformContext, TranslatedResponse } from "../types";

/**
 * A client-facing wire format that every chat provider can serve through the chat translation layer (OpenAI's
 * Responses API, Anthropic's Messages API): the endpoint's body becomes an OpenAI chat body, the provider's chat
 * transforms run unchanged, and their OpenAI-shaped answer becomes this endpoint's answer again. A provider that
 * declares the endpoint itself (OpenAI's Responses, Anthropic's Messages) is served natively instead
 * (`defineProvider`, shared/providers/define-provider.ts). Pure: no I/O.
 */
export interface ChatProtocol {
  /**
   * The client's body in this endpoint's format as an OpenAI chat completion body (`stream` kept). Throws a
   * `BadRequestError` naming the `param` for a body it cannot translate.
   */
  toChat(body: Readonly<Record<string, unknown>>): Record<string, unknown>;
  /** The provider's answer, already OpenAI chat JSON (`chat` as `fromResponse` returned it), in this format. */
  fromChat(chat: TranslatedResponse, ctx: TransformContext): TranslatedResponse;
  /**
   * The provider's stream as this endpoint's SSE events, incrementally: `chat` is the provider's own translator,
   * whose output is OpenAI `chat.completion.chunk` SSE. `usage`, `model`, `finished` and `error` follow it.
   */
  streamFromChat(chat: StreamTranslator, ctx: TransformContext): StreamTranslator;
}
