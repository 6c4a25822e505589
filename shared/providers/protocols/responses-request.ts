import { BadRequestError } from "../../core/errors";

type Json = Record<string, unknown>;

/**
 * OpenAI's Responses request as an OpenAI chat completion request, for the providers that serve `/v1/responses`
 * through the chat translation layer (docs/responses.md lists what maps and what is refused). Pure; a body it
 * cannot translate is a 400 naming the Responses parameter.
 */

/**
 * Set by the responses step on a body whose `previous_response_id` it expanded from its store (the id, for the
 * answer to echo). A symbol: never serialised, never part of a cache key, copied by spreads.
 */
export const EXPANDED_FROM: unique symbol = Symbol("responses.previous_response_id");

/** Parameters that change what the model is asked in a way the chat layer cannot honour: refused, not dropped. */
const REFUSED: readonly string[] = ["background", "conversation", "prompt"];

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function bad(message: string, param: string, code = "invalid_value"): never {
  throw new BadRequestError(message, { param, code });
}

function unsupported(message: string, param: string): never {
  throw new BadRequestError(message, { param, code: "unsupported_parameter" });
}

/** The error OpenAI answers for a `previous_response_id` it does not hold (400, `previous_response_not_found`). */
export function previousResponseNotFound(id: string): BadRequestError {
  return new BadRequestError(`Previous response with id '${id}' not found.`, {
    param: "previous_response_id",
    code: "previous_response_not_found",
  });
}

/** The input as a list of items: a string is one user message. */
export function inputItems(input: unknown): readonly Json[] {
  if (typeof input === "string") return [{ type: "message", role: "user", content: input }];
  if (input === undefined || input === null) return [];
  if (!Array.isArray(input)) bad('"input" must be a string or an array of input items.', "input");
  return input.map((item, i) => {
    if (!isObject(item)) bad(`"input[${i}]" must be an object.`, `input[${i}]`);
    return item;
  });
}

/** A content part of a user/system message as a chat content part. */
function userPart(part: unknown, param: string): Json {
  if (!isObject(part)) bad(`"${param}" must be an object.`, param);
  switch (part.type) {
    case "input_text":
    case "output_text":
      if (typeof part.text !== "string") bad(`"${param}.text" must be a string.`, `${param}.text`);
      return { type: "text", text: part.text };
    case "input_image": {
      if (typeof part.image_url !== "string") {
        unsupported(`"${param}" needs an "image_url" (a URL or data URL); file ids are not supported here.`, param);
      }
      const detail = typeof part.detail === "string" ? { detail: part.detail } : {};
      return { type: "image_url", image_url: { url: part.image_url, ...detail } };
    }
    default:
      return unsupported(
        `Content part type "${String(part.type)}" is not supported by this provider.`,
        `${param}.type`,
      );
  }
}

/** The text of an assistant message's content (output_text and refusal parts joined). */
function assistantText(content: unknown, param: string): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) bad(`"${param}" must be a string or an array of content parts.`, param);
  let text = "";
  content.forEach((part, i) => {
    const p = `${param}[${i}]`;
    if (!isObject(part)) bad(`"${p}" must be an object.`, p);
    if ((part.type === "output_text" || part.type === "input_text") && typeof part.text === "string") text += part.text;
    else if (part.type === "refusal" && typeof part.refusal === "string") text += part.refusal;
    else unsupported(`Content part type "${String(part.type)}" is not supported in an assistant message.`, `${p}.type`);
  });
  return text;
}

function messageContent(content: unknown, param: string): string | Json[] {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) bad(`"${param}" must be a string or an array of content parts.`, param);
  return content.map((part, i) => userPart(part, `${param}[${i}]`));
}

/** A function call output's text: a string, or the text of its parts. */
function outputText(output: unknown, param: string): string {
  if (typeof output === "string") return output;
  if (!Array.isArray(output)) bad(`"${param}" must be a string or an array of content parts.`, param);
  return output.map((part, i) => String((userPart(part, `${param}[${i}]`) as { text?: unknown }).text ?? "")).join("");
}

/** The input items as chat messages: consecutive function calls become one assistant message's tool calls. */
function toMessages(items: readonly Json[]): Json[] {
  const messages: Json[] = [];
  let assistant: { content: string; tool_calls: Json[] } | undefined;
  items.forEach((item, i) => {
    const param = `input[${i}]`;
    const type = item.type ?? "message";
    if (type === "function_call") {
      if (typeof item.call_id !== "string" || typeof item.name !== "string") {
        bad(`"${param}" must have a "call_id" and a "name".`, param);
      }
      const args = typeof item.arguments === "string" ? item.arguments : "{}";
      if (!assistant) {
        assistant = { content: "", tool_calls: [] };
        messages.push({ role: "assistant", ...assistant });
      }
      assistant.tool_calls.push({ id: item.call_id, type: "function", function: { name: item.name, arguments: args } });
      (messages.at(-1) as Json).tool_calls = assistant.tool_calls;
      return;
    }
    assistant = undefined;
    if (type === "reasoning") return; // the model's own reasoning of an earlier turn: nothing a chat provider takes
    if (type === "function_call_output") {
      if (typeof item.call_id !== "string") bad(`"${param}.call_id" is required.`, `${param}.call_id`);
      messages.push({ role: "tool", tool_call_id: item.call_id, content: outputText(item.output, `${param}.output`) });
      return;
    }
    if (type === "item_reference") {
      // the responses step replaced every reference it could resolve: this one names no item the gateway holds
      bad(`Item with id '${String(item.id)}' not found.`, "input", "item_not_found");
    }
    if (type !== "message") {
      unsupported(`Input item type "${String(type)}" is not supported by this provider.`, `${param}.type`);
    }
    const content = item.content;
    switch (item.role) {
      case "assistant": {
        const text = assistantText(content, `${param}.content`);
        assistant = { content: text, tool_calls: [] };
        messages.push({ role: "assistant", content: text });
        return;
      }
      case "user":
        messages.push({ role: "user", content: messageContent(content, `${param}.content`) });
        return;
      case "system":
      case "developer":
        messages.push({ role: "system", content: messageContent(content, `${param}.content`) });
        return;
      default:
        bad(`"${param}.role" must be "user", "assistant", "system" or "developer".`, `${param}.role`);
    }
  });
  return messages;
}

/** Function tools as chat tools; OpenAI's built-in tools (web search, file search ...) are refused. */
function toTools(tools: unknown): Json[] | undefined {
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) bad('"tools" must be an array.', "tools");
  return tools.map((tool, i) => {
    const param = `tools[${i}]`;
    if (!isObject(tool)) bad(`"${param}" must be an object.`, param);
    if (tool.type !== "function") {
      unsupported(
        `Tool type "${String(tool.type)}" is not supported by this provider; only "function".`,
        `${param}.type`,
      );
    }
    if (typeof tool.name !== "string" || tool.name === "") bad(`"${param}.name" is required.`, `${param}.name`);
    const fn: Json = { name: tool.name };
    if (typeof tool.description === "string") fn.description = tool.description;
    if (isObject(tool.parameters)) fn.parameters = tool.parameters;
    if (typeof tool.strict === "boolean") fn.strict = tool.strict;
    return { type: "function", function: fn };
  });
}

function toToolChoice(choice: unknown): unknown {
  if (choice === undefined || choice === null) return undefined;
  if (choice === "auto" || choice === "none" || choice === "required") return choice;
  if (isObject(choice) && choice.type === "function" && typeof choice.name === "string") {
    return { type: "function", function: { name: choice.name } };
  }
  return unsupported(
    '"tool_choice" must be "auto", "none", "required" or {"type":"function","name":...} here.',
    "tool_choice",
  );
}

/** `text.format` as the chat `response_format`. */
function toResponseFormat(text: unknown): Json | undefined {
  if (text === undefined || text === null) return undefined;
  if (!isObject(text)) bad('"text" must be an object.', "text");
  const format = text.format;
  if (format === undefined || format === null) return undefined;
  if (!isObject(format)) bad('"text.format" must be an object.', "text.format");
  if (format.type === "text") return undefined;
  if (format.type === "json_object") return { type: "json_object" };
  if (format.type === "json_schema") {
    if (typeof format.name !== "string" || !isObject(format.schema)) {
      bad('"text.format" of type json_schema needs a "name" and a "schema".', "text.format");
    }
    const schema: Json = { name: format.name, schema: format.schema };
    if (typeof format.strict === "boolean") schema.strict = format.strict;
    if (typeof format.description === "string") schema.description = format.description;
    return { type: "json_schema", json_schema: schema };
  }
  return bad('"text.format.type" must be "text", "json_object" or "json_schema".', "text.format.type");
}

/** The Responses body as a chat completion body (`stream` kept; a stream always asks for its usage). */
export function responsesToChat(body: Readonly<Json>): Json {
  if (typeof body.previous_response_id === "string") throw previousResponseNotFound(body.previous_response_id);
  for (const name of REFUSED) {
    if (body[name] !== undefined && body[name] !== null && body[name] !== false) {
      unsupported(`"${name}" is not supported by this provider.`, name);
    }
  }
  const messages = toMessages(inputItems(body.input));
  const { instructions } = body;
  if (typeof instructions === "string" && instructions !== "")
    messages.unshift({ role: "system", content: instructions });
  else if (instructions !== undefined && instructions !== null && typeof instructions !== "string") {
    unsupported('"instructions" must be a string here.', "instructions");
  }
  if (messages.length === 0) bad('"input" must not be empty.', "input");
  const chat: Json = { model: body.model, messages };
  const copy = (from: string, to = from) => {
    if (body[from] !== undefined && body[from] !== null) chat[to] = body[from];
  };
  copy("max_output_tokens", "max_tokens");
  copy("temperature");
  copy("top_p");
  copy("parallel_tool_calls");
  copy("user");
  const tools = toTools(body.tools);
  if (tools?.length) chat.tools = tools;
  const toolChoice = toToolChoice(body.tool_choice);
  if (toolChoice !== undefined) chat.tool_choice = toolChoice;
  const format = toResponseFormat(body.text);
  if (format) chat.response_format = format;
  const reasoning = body.reasoning;
  if (isObject(reasoning) && typeof reasoning.effort === "string") chat.reasoning_effort = reasoning.effort;
  if (body.stream === true) {
    chat.stream = true;
    chat.stream_options = { include_usage: true };
  }
  return chat;
}
