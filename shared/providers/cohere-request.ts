import type { ChatMessage, ChatRequest, ContentPart } from "./chat-request";
import { COMMON_CHAT_MAPPED, type ParamPolicy } from "./param-policy";

export const COHERE_PARAMS: ParamPolicy = {
  ...COMMON_CHAT_MAPPED,
  top_k: "map",
  seed: "map",
  presence_penalty: "map",
  frequency_penalty: "map",
  response_format: "map",
  parallel_tool_calls: "drop",
  user: "drop",
};

type Json = Record<string, unknown>;

function part(p: ContentPart): Json {
  return p.type === "text" ? { type: "text", text: p.text } : { type: "image_url", image_url: { url: p.url } };
}

function message(m: ChatMessage): Json {
  switch (m.role) {
    case "system":
      return { role: "system", content: m.text };
    case "user":
      return {
        role: "user",
        content: m.parts.every((p) => p.type === "text")
          ? m.parts.map((p) => (p as { text: string }).text).join("")
          : m.parts.map(part),
      };
    case "tool":
      return { role: "tool", tool_call_id: m.toolCallId, content: m.text };
    case "assistant": {
      const out: Json = { role: "assistant" };
      if (m.toolCalls.length) {
        out.tool_calls = m.toolCalls;
        // Cohere reads the text of a tool-calling turn as its tool plan
        if (m.text) out.tool_plan = m.text;
      } else {
        out.content = m.text;
      }
      return out;
    }
  }
}

/** OpenAI chat request -> Cohere v2 `/v2/chat` body. A named tool_choice sends only that tool, REQUIRED. */
export function toCohereBody(chat: ChatRequest): Json {
  const body: Json = { model: chat.model, messages: chat.messages.map(message) };
  let tools = chat.tools;
  const choice = chat.toolChoice;
  if (choice?.type === "function") tools = tools.filter((t) => t.name === choice.name);
  if (tools.length) {
    body.tools = tools.map((t) => ({
      type: "function",
      function: {
        name: t.name,
        ...(t.description === undefined ? {} : { description: t.description }),
        parameters: t.parameters,
      },
    }));
  }
  if (choice?.type === "required" || choice?.type === "function") body.tool_choice = "REQUIRED";
  if (choice?.type === "none") body.tool_choice = "NONE";
  if (chat.maxTokens !== undefined) body.max_tokens = chat.maxTokens;
  if (chat.stop.length) body.stop_sequences = chat.stop;
  if (chat.temperature !== undefined) body.temperature = chat.temperature;
  if (chat.topP !== undefined) body.p = chat.topP;
  if (chat.topK !== undefined) body.k = chat.topK;
  if (chat.seed !== undefined) body.seed = chat.seed;
  if (chat.presencePenalty !== undefined) body.presence_penalty = chat.presencePenalty;
  if (chat.frequencyPenalty !== undefined) body.frequency_penalty = chat.frequencyPenalty;
  const format = chat.responseFormat;
  if (format && format.type !== "text") {
    body.response_format = format.schema
      ? { type: "json_object", json_schema: format.schema }
      : { type: "json_object" };
  }
  if (chat.stream) body.stream = true;
  return body;
}
