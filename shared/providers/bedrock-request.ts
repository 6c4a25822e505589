import { BadRequestError } from "../core/errors";
import { thinkingAndMaxTokens } from "./anthropic-request";
import { type ChatMessage, type ChatRequest, type ContentPart, type InlineData, parseArguments } from "./chat-request";
import { embeddingInputs } from "./embeddings";
import { withJsonTool } from "./json-tool";
import { COMMON_CHAT_MAPPED, type ParamPolicy } from "./param-policy";

export const BEDROCK_PARAMS: ParamPolicy = {
  ...COMMON_CHAT_MAPPED,
  response_format: "map",
  reasoning_effort: "map",
  thinking: "map",
  top_k: "drop",
  seed: "drop",
  presence_penalty: "drop",
  frequency_penalty: "drop",
  parallel_tool_calls: "drop",
  user: "drop",
};

type Block = Record<string, unknown>;
interface ConverseMessage {
  role: "user" | "assistant";
  content: Block[];
}

const IMAGE_FORMATS: Readonly<Record<string, string>> = {
  "image/png": "png",
  "image/jpeg": "jpeg",
  "image/jpg": "jpeg",
  "image/gif": "gif",
  "image/webp": "webp",
};

function unsupported(message: string, param: string): never {
  throw new BadRequestError(message, { param, code: "unsupported_parameter" });
}

/** Images given by http(s) URL, fetched in `sign` (image-fetch.ts): URL -> the image's bytes. */
export type FetchedImages = ReadonlyMap<string, InlineData>;

/** Converse's image block for inline bytes (400 for a type Converse does not take). */
export function imageBlock(data: InlineData, param: string): Block {
  const format = IMAGE_FORMATS[data.mediaType];
  if (!format) unsupported(`Provider bedrock does not take images of type ${data.mediaType}.`, param);
  return { image: { format, source: { bytes: data.base64 } } };
}

function partBlock(part: ContentPart, param: string, images: FetchedImages | undefined): Block {
  if (part.type === "text") return { text: part.text };
  const data = part.data ?? images?.get(part.url);
  if (!data) unsupported("Provider bedrock (Converse) takes images as data URLs or http(s) URLs.", param);
  return imageBlock(data, param);
}

function userParts(m: Extract<ChatMessage, { role: "user" }>): ContentPart[] {
  return m.parts.filter((p) => p.type !== "text" || p.text !== "");
}

/**
 * The images a chat request gives by URL (not data URL), with the param that names each: http(s) only (any other
 * scheme is a 400), at most MAX_URL_IMAGES (Converse takes 20 images per request).
 */
export function imageUrls(chat: ChatRequest): { readonly url: string; readonly param: string }[] {
  const out: { url: string; param: string }[] = [];
  chat.messages.forEach((m, i) => {
    if (m.role !== "user") return;
    userParts(m).forEach((p, j) => {
      if (p.type !== "image" || p.data) return;
      const param = `messages[${i}].content[${j}].image_url.url`;
      if (!/^https?:\/\//i.test(p.url))
        unsupported("Provider bedrock takes images as data URLs or http(s) URLs.", param);
      out.push({ url: p.url, param });
    });
  });
  if (out.length > MAX_URL_IMAGES) {
    unsupported(`Provider bedrock takes at most ${MAX_URL_IMAGES} images by URL per request.`, "messages");
  }
  return out;
}

const MAX_URL_IMAGES = 20;

function blocksOf(m: Exclude<ChatMessage, { role: "system" }>, i: number, images: FetchedImages | undefined): Block[] {
  if (m.role === "user") {
    return userParts(m).map((p, j) => partBlock(p, `messages[${i}].content[${j}]`, images));
  }
  if (m.role === "tool") return [{ toolResult: { toolUseId: m.toolCallId, content: [{ text: m.text }] } }];
  // Reasoning blocks come first, as Converse returned them: Claude checks them when a tool-use turn continues.
  const blocks: Block[] = (m.thinking ?? []).map((t) =>
    t.type === "thinking"
      ? { reasoningContent: { reasoningText: { text: t.thinking, signature: t.signature } } }
      : { reasoningContent: { redactedContent: t.data } },
  );
  if (m.text) blocks.push({ text: m.text });
  m.toolCalls.forEach((call, j) => {
    const input = parseArguments(call.function.arguments, `messages[${i}].tool_calls[${j}].function.arguments`);
    blocks.push({ toolUse: { toolUseId: call.id, name: call.function.name, input } });
  });
  return blocks;
}

function toolChoice(chat: ChatRequest): Block | undefined {
  const choice = chat.toolChoice;
  if (!choice || choice.type === "auto") return undefined;
  if (choice.type === "none") {
    return unsupported(
      'Provider bedrock (Converse) has no tool_choice "none": leave out "tools" instead.',
      "tool_choice",
    );
  }
  if (choice.type === "required") return { any: {} };
  return { tool: { name: choice.name } };
}

/** Claude models on Bedrock (model ids, cross-region inference profiles, ARNs): the ones that take `thinking`. */
export function isBedrockClaude(model: string): boolean {
  return model.includes("anthropic.claude");
}

/** Whether a request's reasoning parameters reach the model (Claude only; elsewhere they are dropped). */
export function bedrockThinks(chat: ChatRequest): boolean {
  return (chat.thinking !== undefined || chat.reasoningEffort !== undefined) && isBedrockClaude(chat.model);
}

/** OpenAI chat request -> Bedrock Converse body (the model id goes in the URL). */
export function toConverseBody(request: ChatRequest, images?: FetchedImages): Record<string, unknown> {
  // Claude's extended thinking rides in additionalModelRequestFields, with Anthropic's max_tokens rules
  const reasoning = bedrockThinks(request) ? thinkingAndMaxTokens(request, "bedrock") : undefined;
  // JSON answers (`response_format`) through a forced tool (json-tool.ts)
  const thinks = reasoning?.thinking !== undefined && reasoning.thinking.type !== "disabled";
  const chat = withJsonTool(request, "bedrock", thinks);
  const system: Block[] = [];
  const messages: ConverseMessage[] = [];
  chat.messages.forEach((m, i) => {
    if (m.role === "system") {
      if (m.text) system.push({ text: m.text });
      return;
    }
    const blocks = blocksOf(m, i, images);
    if (blocks.length === 0) return;
    const role = m.role === "assistant" ? "assistant" : "user";
    const last = messages[messages.length - 1];
    if (last && last.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  });
  if (messages.length === 0) {
    throw new BadRequestError("Provider bedrock needs at least one user or assistant message.", {
      param: "messages",
      code: "invalid_value",
    });
  }
  const body: Record<string, unknown> = { messages };
  if (system.length) body.system = system;
  const inference: Record<string, unknown> = {};
  if (reasoning?.thinking) {
    body.additionalModelRequestFields = { thinking: reasoning.thinking };
    inference.maxTokens = reasoning.maxTokens;
  } else if (chat.maxTokens !== undefined) inference.maxTokens = chat.maxTokens;
  if (chat.temperature !== undefined) inference.temperature = chat.temperature;
  if (chat.topP !== undefined) inference.topP = chat.topP;
  if (chat.stop.length) inference.stopSequences = chat.stop;
  if (Object.keys(inference).length) body.inferenceConfig = inference;
  if (chat.tools.length) {
    const tools = chat.tools.map((t) => ({
      toolSpec: {
        name: t.name,
        ...(t.description === undefined ? {} : { description: t.description }),
        inputSchema: { json: t.parameters },
      },
    }));
    const choice = toolChoice(chat);
    body.toolConfig = choice ? { tools, toolChoice: choice } : { tools };
  }
  return body;
}

/**
 * OpenAI embeddings request -> InvokeModel body. Titan Text Embeddings take one text per call (an array of
 * several is refused: a pure transform makes one call); Cohere Embed on Bedrock takes up to 96 texts.
 */
export function toInvokeEmbeddingBody(model: string, body: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const inputs = embeddingInputs(body);
  if (model.startsWith("amazon.titan-embed")) {
    if (inputs.length !== 1) {
      unsupported("Titan embeddings on bedrock take one input per request; send a single string.", "input");
    }
    const out: Record<string, unknown> = { inputText: inputs[0] };
    if (typeof body.dimensions === "number") out.dimensions = body.dimensions;
    return out;
  }
  if (model.startsWith("cohere.embed")) {
    const inputType = typeof body.input_type === "string" ? body.input_type : "search_document";
    return { texts: inputs, input_type: inputType };
  }
  return unsupported(
    `Embeddings on bedrock support amazon.titan-embed-* and cohere.embed-* models, not ${model}.`,
    "model",
  );
}
