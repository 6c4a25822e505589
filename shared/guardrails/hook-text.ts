import { type Endpoint, endpointsWhere } from "../core/endpoints";

/** Endpoints whose hooks run: the endpoint table's `guarded` (as Portkey: chat and text completions, and Responses). */
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

/** The last input item of a Responses request: a string input, a message's text, or a tool output. */
function lastInputText(input: unknown): string {
  if (typeof input === "string") return input;
  if (!Array.isArray(input) || input.length === 0) return "";
  const last = input[input.length - 1] as { content?: unknown; output?: unknown } | null;
  if (!last || typeof last !== "object") return "";
  return contentText(last.content ?? last.output);
}

/** The text of a Responses answer's message items (`output_text` parts), joined by newlines. */
function outputText(output: unknown): string {
  if (!Array.isArray(output)) return "";
  const texts: string[] = [];
  for (const item of output as { type?: unknown; content?: unknown }[]) {
    if (item && typeof item === "object" && item.type === "message") texts.push(contentText(item.content));
  }
  return texts.filter((t) => t !== "").join("\n");
}

/**
 * What before-request checks see: the last message of a chat (any role, as Portkey; an Anthropic Messages body
 * alike: its content is a string or blocks with `text`), the prompt, or the last input item of a Responses request.
 */
export function requestText(endpoint: Endpoint, body: Readonly<Record<string, unknown>>): string {
  if (endpoint === "completions") return contentText(body.prompt);
  if (endpoint === "responses") return lastInputText(body.input);
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return "";
  const last = messages[messages.length - 1] as { content?: unknown } | null;
  return last && typeof last === "object" ? contentText(last.content) : "";
}

/**
 * What after-request checks see: the first choice's message content (chat), its text (completions), the text
 * of the message items of a Responses answer, or the text blocks of an Anthropic message (messages).
 */
export function responseText(endpoint: Endpoint, json: Readonly<Record<string, unknown>>): string {
  if (endpoint === "responses") return outputText(json.output);
  if (endpoint === "messages") return contentText(json.content);
  const choices = json.choices;
  if (!Array.isArray(choices) || choices.length === 0) return "";
  const first = choices[0] as { message?: { content?: unknown }; text?: unknown } | null;
  if (!first || typeof first !== "object") return "";
  if (endpoint === "completions") return typeof first.text === "string" ? first.text : "";
  return contentText(first.message?.content);
}
