import type { TransformContext, TranslatedResponse } from "../types";
import { messagesToChat } from "./messages-to-chat";

/**
 * The gateway's estimate for `POST /v1/messages/count_tokens` on providers other than Anthropic (which counts
 * them itself), over everything the model reads: 1 token per 3 UTF-8 bytes of text (system, messages, tool
 * results, tool names, descriptions and schemas), 4 per message, 1,500 per image. It errs high (real tokenizers
 * average about 4 bytes per token) but not as far as the budget's upper bound (`estimateRequest`, 1 token per
 * byte), which would make a client such as Claude Code compact its context about four times too early.
 */
const BYTES_PER_TOKEN = 3;
const PER_MESSAGE_TOKENS = 4;
const IMAGE_TOKENS = 1_500;

export function estimateInputTokens(body: Readonly<Record<string, unknown>>): number {
  // Validated as a Messages request would be (the same 400s), then counted on its chat form
  const chat = messagesToChat({ ...body, max_tokens: 1, stream: false });
  const messages = chat.messages as Record<string, unknown>[];
  let bytes = 0;
  let images = 0;
  for (const m of messages) {
    const content = m.content;
    if (typeof content === "string") bytes += Buffer.byteLength(content);
    else if (Array.isArray(content)) {
      for (const part of content as Record<string, unknown>[]) {
        if (typeof part.text === "string") bytes += Buffer.byteLength(part.text);
        else images += 1;
      }
    }
    if (m.tool_calls) bytes += Buffer.byteLength(JSON.stringify(m.tool_calls));
  }
  if (chat.tools) bytes += Buffer.byteLength(JSON.stringify(chat.tools));
  return Math.ceil(bytes / BYTES_PER_TOKEN) + messages.length * PER_MESSAGE_TOKENS + images * IMAGE_TOKENS;
}

/** Anthropic's count_tokens answer, `{"input_tokens": n}`, from the estimate; nothing is billed for it. */
export function countTokensEstimate(ctx: TransformContext): TranslatedResponse {
  return {
    body: JSON.stringify({ input_tokens: estimateInputTokens(ctx.body) }),
    contentType: "application/json",
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
  };
}
