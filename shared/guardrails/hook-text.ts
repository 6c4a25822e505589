import { type Endpoint, endpointsWhere } from "../core/endpoints";

/** Endpoints whose hooks run: the endpoint table's `guarded` (as Portkey: chat and text completions only). */
export const GUARDED_ENDPOINTS: ReadonlySet<Endpoint> = endpointsWhere((row) => row.guarded);

/** A message content as text: a string, or the `text` of its parts joined by newlines (as Portkey's getText). */
function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  const parts: string[] = [];
  for (const part of content) {
    if (typeof part === "string") parts.push(part);
    else if (part && typeof part === "object" && typeof (part as { text?: unknown }).text === "string") {
      const text = (part as { text: string }).text;
      if (text) parts.push(text);
    }
  }
  return parts.join("\n");
}

/**
 * What before-request checks see: the last message of a chat (any role, as Portkey; an Anthropic Messages body
 * alike: its content is a string or blocks with `text`), or the prompt.
 */
export function requestText(endpoint: Endpoint, body: Readonly<Record<string, unknown>>): string {
  if (endpoint === "completions") return contentText(body.prompt);
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return "";
  const last = messages[messages.length - 1] as { content?: unknown } | null;
  return last && typeof last === "object" ? contentText(last.content) : "";
}

/**
 * What after-request checks see: the first choice's message content (chat) or text (completions), the text blocks
 * of an Anthropic message (messages).
 */
export function responseText(endpoint: Endpoint, json: Readonly<Record<string, unknown>>): string {
  if (endpoint === "messages") return contentText(json.content);
  const choices = json.choices;
  if (!Array.isArray(choices) || choices.length === 0) return "";
  const first = choices[0] as { message?: { content?: unknown }; text?: unknown } | null;
  if (!first || typeof first !== "object") return "";
  if (endpoint === "completions") return typeof first.text === "string" ? first.text : "";
  return contentText(first.message?.content);
}
