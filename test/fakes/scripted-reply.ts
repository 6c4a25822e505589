/**
 * The behaviour every provider fake shares, so one conformance suite can expect the same answers from all of
 * them. Each fake parses its own wire format into a `Conversation` (which checks the gateway's translation) and
 * serialises the `ScriptedReply` in its own format. "Tokens" are whitespace-separated words.
 *
 * - the last message is a tool result -> text "The tool said: <result>"
 * - tools are offered and the last user text mentions "weather" -> a call of the first tool with {"city":"Paris"}
 * - otherwise -> "You said: <last user text>" + " [system: <system>]" + " [images: n]" + " [turns: n]"
 * - `maxTokens` cuts the words and finishes with "length".
 * - a structured-output schema (OpenAI's `response_format`, Anthropic's `output_config.format`) -> the JSON of
 *   `valueFor(schema)` as the text, one "token".
 */
export interface Conversation {
  readonly system: string;
  /** User turns with text (tool results are not turns). */
  readonly userTurns: number;
  readonly lastUserText: string;
  /** Images in the last user turn. */
  readonly images: number;
  readonly toolNames: readonly string[];
  /** Text of the tool result when the conversation ends with one. */
  readonly toolResult?: string;
  readonly maxTokens?: number;
  /** The tool `tool_choice` forces (Anthropic `{"type":"tool"}`, Converse `{"tool":{...}}`), with its schema. */
  readonly forced?: ForcedTool;
  /** Every text of the request, for the prompt token count. */
  readonly allText: readonly string[];
  /** The JSON schema the answer's text must follow (structured outputs). */
  readonly format?: Readonly<Record<string, unknown>>;
}

export interface ForcedTool {
  readonly name: string;
  readonly schema: Readonly<Record<string, unknown>>;
}

/** One message as a fake read it from its wire format. */
export interface ReadMessage {
  /** Its text parts, in order (a turn's text is them joined by spaces). */
  readonly texts: readonly string[];
  readonly images?: number;
  /** The tool result it carries, if any. */
  readonly toolResult?: string;
}

/**
 * Builds a `Conversation` message by message, so every fake counts turns, images, the last user text and the
 * closing tool result the same way: a user message with text is a turn (its images are the last turn's), only the
 * last message's tool result counts, and every text (system, messages, tool results) counts for the prompt.
 */
export class ConversationBuilder {
  private readonly allText: string[] = [];
  private userTurns = 0;
  private lastUserText = "";
  private images = 0;
  private toolResult: string | undefined;

  constructor(private readonly system: string) {
    if (system) this.allText.push(system);
  }

  message(role: "user" | "other", message: ReadMessage): void {
    const text = message.texts.join(" ");
    this.allText.push(...message.texts.filter(Boolean));
    if (message.toolResult !== undefined) this.allText.push(message.toolResult);
    this.toolResult = message.toolResult;
    if (role === "user" && text) {
      this.userTurns += 1;
      this.lastUserText = text;
      this.images = message.images ?? 0;
    }
  }

  /** The fake's answer to the conversation read, given the tools it offers and its output cap (if a number). */
  script(
    toolNames: readonly string[],
    maxTokens: unknown,
    forced?: ForcedTool,
    format?: Readonly<Record<string, unknown>>,
  ): Script {
    const conversation: Conversation = {
      system: this.system,
      userTurns: this.userTurns,
      lastUserText: this.lastUserText,
      images: this.images,
      toolNames,
      toolResult: this.toolResult,
      maxTokens: typeof maxTokens === "number" ? maxTokens : undefined,
      forced,
      allText: this.allText,
      format,
    };
    return { reply: scriptReply(conversation), prompt: promptTokens(conversation), conversation };
  }
}

/** What a fake answers and the prompt tokens it reports. */
export interface Script {
  readonly reply: ScriptedReply;
  readonly prompt: number;
  /** What the fake read, for fakes that answer more than the script (e.g. Anthropic's thinking text). */
  readonly conversation: Conversation;
}

export type ScriptedReply =
  | { readonly kind: "text"; readonly words: readonly string[]; readonly finish: "stop" | "length" }
  | {
      readonly kind: "tool";
      readonly preamble: string;
      readonly name: string;
      readonly args: Readonly<Record<string, unknown>>;
    };

export const TOOL_ARGS = { city: "Paris" } as const;

export function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

function promptTokens(c: Conversation): number {
  return c.allText.reduce((n, t) => n + countWords(t), 0);
}

/**
 * A value for a JSON schema: the last user text for strings, 42 for numbers, true, [] and nested objects; an object
 * without properties gets `{"answer": <last user text>}`. The answer to a forced tool (no text before it).
 */
export function valueFor(schema: Readonly<Record<string, unknown>>, text: string): unknown {
  switch (schema.type) {
    case "string":
      return text;
    case "number":
    case "integer":
      return 42;
    case "boolean":
      return true;
    case "array":
      return [];
    default: {
      const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
      const names = Object.keys(properties);
      if (names.length === 0) return { answer: text };
      return Object.fromEntries(names.map((n) => [n, valueFor(properties[n] ?? {}, text)]));
    }
  }
}

function scriptReply(c: Conversation): ScriptedReply {
  if (c.forced) {
    const args = valueFor(c.forced.schema, c.lastUserText) as Record<string, unknown>;
    return { kind: "tool", preamble: "", name: c.forced.name, args };
  }
  if (c.format) {
    return { kind: "text", words: [JSON.stringify(valueFor(c.format, c.lastUserText))], finish: "stop" };
  }
  if (c.toolResult !== undefined) return cut(`The tool said: ${c.toolResult}`, c.maxTokens);
  const tool = c.toolNames[0];
  if (tool && /weather/i.test(c.lastUserText)) {
    return { kind: "tool", preamble: "Let me check.", name: tool, args: TOOL_ARGS };
  }
  let text = `You said: ${c.lastUserText}`;
  if (c.system) text += ` [system: ${c.system}]`;
  if (c.images) text += ` [images: ${c.images}]`;
  if (c.userTurns > 1) text += ` [turns: ${c.userTurns}]`;
  return cut(text, c.maxTokens);
}

function cut(text: string, maxTokens: number | undefined): ScriptedReply {
  const words = text.split(/\s+/).filter(Boolean);
  if (maxTokens !== undefined && words.length > maxTokens) {
    return { kind: "text", words: words.slice(0, maxTokens), finish: "length" };
  }
  return { kind: "text", words, finish: "stop" };
}

/** Words as streamed text deltas: "a", " b", " c". */
export function textDeltas(words: readonly string[]): string[] {
  return words.map((w, i) => (i === 0 ? w : ` ${w}`));
}

/** A JSON string cut into `parts` pieces (streams deliver tool arguments in fragments). */
export function fragments(json: string, parts = 3): string[] {
  const size = Math.max(1, Math.ceil(json.length / parts));
  const out: string[] = [];
  for (let i = 0; i < json.length; i += size) out.push(json.slice(i, i + size));
  return out;
}
