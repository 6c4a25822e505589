import type { ServerResponse } from "node:http";
import { type FakeContext, type FakeServer, startFakeServer, writeFrames } from "./fake-server";
import { ConversationBuilder, countWords, fragments, type Script, textDeltas } from "./scripted-reply";

/**
 * A chat fake speaking OpenAI's wire format with the shared scripted behaviour, configurable for the providers
 * that use that format with their own URL scheme, credential header and quirks (Azure OpenAI, Mistral).
 */
export interface OpenAIWireFakeOptions {
  readonly name: string;
  readonly apiKey: string;
  /** Reads the credential from the request; compared with `apiKey`. */
  readonly credential: (headers: Record<string, string | string[] | undefined>) => string | undefined;
  /** Matches the chat completions URL (path + query); returns an error message when the URL is wrong. */
  readonly checkUrl: (url: URL) => string | undefined;
  /** The provider's error body for a status. */
  readonly errorBody: (status: number, message: string) => string;
  /** Extra request validation (e.g. Mistral's unknown-field 422); returns [status, message] on failure. */
  readonly validate?: (body: Record<string, unknown>) => [number, string] | undefined;
  /** Mistral: the last streamed chunk (the one with the finish reason) always carries usage. */
  readonly alwaysStreamUsage?: boolean;
  /** Tool-call id for the n-th answer (Mistral's are 9 characters). */
  readonly toolCallId?: (seq: number) => string;
  readonly chunkDelayMs?: number;
  /**
   * Reasoning models (DeepSeek's `reasoning_content`, Groq's `reasoning`): with `reasoning_effort` in the request,
   * the answer carries "The user wrote <last user text>." in this field (streamed as deltas before the content).
   */
  readonly reasoningField?: "reasoning_content" | "reasoning";
}

type Json = Record<string, unknown>;

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content))
    return content
      .map((p: Json) => (p.type === "text" ? String(p.text) : ""))
      .filter(Boolean)
      .join(" ");
  return "";
}

function readConversation(body: Json): Script | string {
  if (!Array.isArray(body.messages) || body.messages.length === 0) return "messages: empty";
  const messages = body.messages as Json[];
  const system = messages.filter((m) => m.role === "system").map((m) => textOf(m.content));
  const conversation = new ConversationBuilder(system.join("\n\n"));
  for (const m of messages) {
    const text = textOf(m.content);
    const images = Array.isArray(m.content) ? (m.content as Json[]).filter((p) => p.type === "image_url").length : 0;
    if (m.role === "system") {
      conversation.message("other", { texts: [] }); // its text is the system prompt's
    } else if (m.role === "tool") {
      conversation.message("other", { texts: [], toolResult: text });
    } else {
      conversation.message(m.role === "user" ? "user" : "other", { texts: [text], images });
    }
  }
  const tools = Array.isArray(body.tools) ? (body.tools as Json[]) : [];
  // `tool_choice` "required" forces the first tool, {type: "function", function: {name}} the one named
  const choice = body.tool_choice as Json | string | undefined;
  const named = typeof choice === "object" ? (choice.function as Json | undefined)?.name : undefined;
  const forcedTool = choice === "required" ? tools[0] : tools.find((t) => (t.function as Json).name === named);
  const forcedFn = forcedTool?.function as Json | undefined;
  const forced = forcedFn ? { name: String(forcedFn.name), schema: (forcedFn.parameters ?? {}) as Json } : undefined;
  // structured outputs: `response_format` json_schema (its schema) or json_object (any object) makes the text JSON
  const format = body.response_format as Json | undefined;
  const schema =
    format?.type === "json_schema" ? ((format.json_schema as Json | undefined)?.schema as Json | undefined) : undefined;
  return conversation.script(
    tools.map((t) => String((t.function as Json).name)),
    body.max_completion_tokens ?? body.max_tokens,
    forced,
    format?.type === "json_object" ? {} : schema,
  );
}

function usage(prompt: number, completion: number): Json {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

export async function startOpenAIWireFake(o: OpenAIWireFakeOptions): Promise<FakeServer> {
  let seq = 0;
  const fail = (res: ServerResponse, status: number, message: string): void => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(o.errorBody(status, message));
  };

  async function handle({ req, res, recorded, fault }: FakeContext): Promise<void> {
    const urlProblem = o.checkUrl(new URL(recorded.path, "http://fake"));
    if (req.method !== "POST" || urlProblem) return fail(res, 404, urlProblem ?? "Not found");
    if (o.credential(req.headers) !== o.apiKey) return fail(res, 401, "Unauthorized");
    const body = recorded.json();
    const invalid = o.validate?.(body);
    if (invalid) return fail(res, invalid[0], invalid[1]);
    const script = readConversation(body);
    if (typeof script === "string") return fail(res, 400, script);
    seq += 1;
    const { reply, prompt } = script;
    const reasoning =
      o.reasoningField && typeof body.reasoning_effort === "string"
        ? `The user wrote ${script.conversation.lastUserText || "a tool result"}.`
        : undefined;
    const completion = (reply.kind === "text" ? reply.words.length : 5) + (reasoning ? countWords(reasoning) : 0);
    const finish = reply.kind === "tool" ? "tool_calls" : reply.finish;
    const base = { id: `chatcmpl-${o.name}${seq}`, created: Math.floor(Date.now() / 1000), model: body.model };
    const toolCall = (args: string): Json => ({
      id: o.toolCallId?.(seq) ?? `call_fake_${seq}`,
      type: "function",
      function: { name: reply.kind === "tool" ? reply.name : "", arguments: args },
    });
    if (body.stream !== true) {
      const message: Json =
        reply.kind === "text"
          ? { role: "assistant", content: reply.words.join(" ") }
          : { role: "assistant", content: reply.preamble || null, tool_calls: [toolCall(JSON.stringify(reply.args))] };
      if (reasoning && o.reasoningField) message[o.reasoningField] = reasoning;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          ...base,
          object: "chat.completion",
          choices: [{ index: 0, message, finish_reason: finish }],
          usage: usage(prompt, completion),
        }),
      );
      return;
    }
    const includeUsage = !o.alwaysStreamUsage && (body.stream_options as Json | undefined)?.include_usage === true;
    const chunk = (delta: Json, finishReason: string | null = null): string => {
      const extra = o.alwaysStreamUsage && finishReason ? { usage: usage(prompt, completion) } : {};
      return `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finishReason }], ...extra })}\n\n`;
    };
    const frames = [chunk({ role: "assistant", content: "" })];
    if (reasoning && o.reasoningField) {
      for (const piece of textDeltas(reasoning.split(" "))) frames.push(chunk({ [o.reasoningField]: piece }));
    }
    const words = reply.kind === "text" ? reply.words : reply.preamble.split(" ").filter(Boolean);
    for (const content of textDeltas(words)) frames.push(chunk({ content }));
    if (reply.kind === "tool") {
      frames.push(chunk({ tool_calls: [{ index: 0, ...toolCall("") }] }));
      for (const args of fragments(JSON.stringify(reply.args)))
        frames.push(chunk({ tool_calls: [{ index: 0, function: { arguments: args } }] }));
    }
    frames.push(chunk({}, finish));
    if (includeUsage) {
      frames.push(
        `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [], usage: usage(prompt, completion) })}\n\n`,
      );
    }
    frames.push("data: [DONE]\n\n");
    res.writeHead(200, { "content-type": "text/event-stream" });
    await writeFrames(res, frames, fault, o.chunkDelayMs);
  }
  return startFakeServer(handle);
}

/** OpenAI's own error body. */
export function openAIErrorBody(status: number, message: string): string {
  const type = status === 429 ? "rate_limit_error" : status >= 500 ? "server_error" : "invalid_request_error";
  return JSON.stringify({ error: { message, type, param: null, code: status === 401 ? "invalid_api_key" : null } });
}

export function startOpenAIChatFake(apiKey: string): Promise<FakeServer> {
  return startOpenAIWireFake({
    name: "openai",
    apiKey,
    credential: (h) => String(h.authorization ?? "").replace(/^Bearer /, ""),
    checkUrl: (url) => (url.pathname === "/v1/chat/completions" ? undefined : `Invalid URL (POST ${url.pathname})`),
    errorBody: openAIErrorBody,
    chunkDelayMs: 2,
  });
}
