import { BadRequestError } from "../core/errors";
import type { ChatRequest } from "./chat-request";
import type { StreamTranslator, Usage } from "./types";

/**
 * Structured outputs for providers without a JSON mode (Anthropic Messages, Bedrock Converse), as LiteLLM does
 * it: OpenAI's `response_format` (`json_schema` or `json_object`) becomes one tool whose input schema is the
 * requested schema, and `tool_choice` forces it. The tool's input is the JSON answer: it comes back to the client
 * as the message `content` string, not as a tool call, in whole answers and in streams (argument deltas become
 * content deltas, `finish_reason` `stop`).
 */
export const JSON_TOOL_NAME = "json_answer";

type Json = Record<string, unknown>;

/** True when the OpenAI request asks for JSON (`json_object` or `json_schema`): one property read. */
export function wantsJsonTool(body: Readonly<Json>): boolean {
  const format = body.response_format as { type?: unknown } | undefined | null;
  return (
    typeof format === "object" && format !== null && (format.type === "json_schema" || format.type === "json_object")
  );
}

/** `json_schema.strict: true` is not guaranteed by a forced tool: reported as dropped. */
export function jsonToolDropped(body: Readonly<Json>): string[] {
  const schema = (body.response_format as { json_schema?: { strict?: unknown } } | undefined)?.json_schema;
  return schema?.strict === true ? ["response_format.json_schema.strict"] : [];
}

/**
 * The chat request with the JSON tool in place of `response_format`, or the request itself when it asks for
 * text. Client tools next to `response_format` are refused (the forced tool would silence them), and so is
 * thinking (Anthropic does not force a tool while thinking).
 */
export function withJsonTool(chat: ChatRequest, provider: string, thinks: boolean): ChatRequest {
  const format = chat.responseFormat;
  if (!format || format.type === "text") return chat;
  const refuse = (message: string): never => {
    throw new BadRequestError(`Provider ${provider}: ${message}`, {
      param: "response_format",
      code: "unsupported_parameter",
    });
  };
  if (chat.tools.length) refuse("response_format is answered through a tool, so it cannot be combined with tools.");
  if (thinks) refuse("response_format is answered through a forced tool, which cannot be combined with thinking.");
  const schema = format.type === "json_schema" && format.schema ? format.schema : { type: "object" };
  if (schema.type !== "object") refuse('the json_schema must describe an object ("type": "object").');
  const description =
    format.type === "json_schema" && format.name
      ? `Answer with the JSON object "${format.name}", as this tool's input.`
      : "Answer with a JSON object, as this tool's input.";
  return {
    ...chat,
    responseFormat: undefined,
    tools: [{ name: JSON_TOOL_NAME, description, parameters: schema }],
    toolChoice: { type: "function", name: JSON_TOOL_NAME },
  };
}

interface OpenAIToolCallJson {
  function?: { name?: unknown; arguments?: unknown };
}

/** An OpenAI `chat.completion` JSON whose only tool call is the JSON tool -> its arguments as `content`. */
export function unwrapJsonAnswer(body: string): string {
  const completion = JSON.parse(body) as { choices?: { message?: Json; finish_reason?: unknown }[] };
  for (const choice of completion.choices ?? []) {
    const message = choice.message;
    const calls = message?.tool_calls as OpenAIToolCallJson[] | undefined;
    const call = calls?.length === 1 ? calls[0] : undefined;
    if (!message || call?.function?.name !== JSON_TOOL_NAME) continue;
    message.content = typeof call.function.arguments === "string" ? call.function.arguments : "{}";
    delete message.tool_calls;
    if (choice.finish_reason === "tool_calls") choice.finish_reason = "stop";
  }
  return JSON.stringify(completion);
}

interface ChunkJson {
  choices?: { delta?: Json & { tool_calls?: OpenAIToolCallJson[] }; finish_reason?: unknown }[];
}

/**
 * Wraps a provider's stream translator: the JSON tool's argument deltas become `content` deltas, its opening
 * chunk an empty content delta, `finish_reason: "tool_calls"` becomes `stop`. Only requests that asked for
 * JSON pay for it (it re-reads the OpenAI chunks the translator writes, which are whole events).
 */
export class JsonToolStream implements StreamTranslator {
  private rest = "";

  constructor(private readonly inner: StreamTranslator) {}

  get usage(): Usage | undefined {
    return this.inner.usage;
  }
  get model(): string | undefined {
    return this.inner.model;
  }
  get finished(): boolean {
    return this.inner.finished;
  }
  get error() {
    return this.inner.error;
  }

  push(chunk: Buffer): string {
    return this.rewrite(this.inner.push(chunk));
  }

  end(): string {
    return this.rewrite(this.inner.end()) + this.flush();
  }

  private flush(): string {
    const rest = this.rest;
    this.rest = "";
    return rest;
  }

  private rewrite(out: string | Buffer): string {
    const text = this.rest + (typeof out === "string" ? out : out.toString("utf8"));
    const cut = text.lastIndexOf("\n\n");
    if (cut === -1) {
      this.rest = text;
      return "";
    }
    this.rest = text.slice(cut + 2);
    return text
      .slice(0, cut + 2)
      .split("\n\n")
      .map((event) => (event.startsWith("data: {") ? rewriteEvent(event) : event))
      .join("\n\n");
  }
}

function rewriteEvent(event: string): string {
  if (!event.includes('"tool_calls"')) return event;
  const chunk = JSON.parse(event.slice("data: ".length)) as ChunkJson;
  for (const choice of chunk.choices ?? []) {
    const delta = choice.delta;
    if (delta?.tool_calls) {
      const args = delta.tool_calls.map((c) => c.function?.arguments).filter((a): a is string => typeof a === "string");
      delete delta.tool_calls;
      delta.content = args.join("");
    }
    if (choice.finish_reason === "tool_calls") choice.finish_reason = "stop";
  }
  return `data: ${JSON.stringify(chunk)}`;
}
