import type { Endpoint } from "../core/endpoints";

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

/** A content's text parts, one per content part ("" for a part without text), or the string as one part. */
function contentParts(content: unknown): string[] {
  if (typeof content === "string") return [content];
  if (!Array.isArray(content)) return [];
  return content.map((part) => {
    if (typeof part === "string") return part;
    const text = part && typeof part === "object" ? (part as { text?: unknown }).text : undefined;
    return typeof text === "string" ? text : "";
  });
}

/** A content with its text parts replaced (parts without text kept as they are). */
function withContentParts(content: unknown, texts: readonly string[]): unknown {
  if (typeof content === "string" || !Array.isArray(content)) return texts[0] ?? content;
  return content.map((part, i) => {
    const text = texts[i];
    if (text === undefined) return part;
    if (typeof part === "string") return text;
    if (part && typeof part === "object" && typeof (part as { text?: unknown }).text === "string") {
      return { ...(part as Record<string, unknown>), text };
    }
    return part;
  });
}

/** The text parts of what before-request checks see (the last message's content parts, or the prompts). */
export function requestTexts(endpoint: Endpoint, body: Readonly<Record<string, unknown>>): string[] {
  if (endpoint === "completions") {
    const prompt = body.prompt;
    return typeof prompt === "string" ? [prompt] : Array.isArray(prompt) ? prompt.map((p) => String(p ?? "")) : [];
  }
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return [];
  const last = messages[messages.length - 1] as { content?: unknown } | null;
  return last && typeof last === "object" ? contentParts(last.content) : [];
}

/** The request body with the text parts of `requestTexts` replaced (a copy; the input is not changed). */
export function withRequestTexts(
  endpoint: Endpoint,
  body: Readonly<Record<string, unknown>>,
  texts: readonly string[],
): Record<string, unknown> {
  if (endpoint === "completions") {
    return { ...body, prompt: typeof body.prompt === "string" ? (texts[0] ?? body.prompt) : [...texts] };
  }
  const messages = Array.isArray(body.messages) ? [...body.messages] : [];
  const last = messages[messages.length - 1] as Record<string, unknown> | undefined;
  if (!last || typeof last !== "object") return { ...body };
  messages[messages.length - 1] = { ...last, content: withContentParts(last.content, texts) };
  return { ...body, messages };
}

/** The text parts of what after-request checks see (the first choice's content). */
export function responseTexts(endpoint: Endpoint, json: Readonly<Record<string, unknown>>): string[] {
  const choices = json.choices;
  if (!Array.isArray(choices) || choices.length === 0) return [];
  const first = choices[0] as { message?: { content?: unknown }; text?: unknown } | null;
  if (!first || typeof first !== "object") return [];
  if (endpoint === "completions") return typeof first.text === "string" ? [first.text] : [];
  return contentParts(first.message?.content);
}

/** The answer with the first choice's text parts replaced (a copy). */
export function withResponseTexts(
  endpoint: Endpoint,
  json: Readonly<Record<string, unknown>>,
  texts: readonly string[],
): Record<string, unknown> {
  const choices = Array.isArray(json.choices) ? [...json.choices] : [];
  const first = choices[0] as Record<string, unknown> | undefined;
  if (!first || typeof first !== "object") return { ...json };
  if (endpoint === "completions") {
    choices[0] = { ...first, text: texts[0] ?? first.text };
  } else {
    const message = (first.message ?? {}) as Record<string, unknown>;
    choices[0] = { ...first, message: { ...message, content: withContentParts(message.content, texts) } };
  }
  return { ...json, choices };
}

/** The text checks see, from its parts (non-empty parts joined by newlines, as `requestText`). */
export function joinTexts(texts: readonly string[]): string {
  return texts.length === 1 ? (texts[0] as string) : texts.filter((t) => t).join("\n");
}
