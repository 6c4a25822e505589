import { createHash } from "node:crypto";
import type { ServerResponse } from "node:http";
import { type FakeContext, type FakeServer, startFakeServer, writeFrames } from "./fake-server";
import {
  type Conversation,
  ConversationBuilder,
  countWords,
  type ForcedTool,
  fragments,
  type Script,
  type ScriptedReply,
  textDeltas,
} from "./scripted-reply";

/**
 * A fake of Anthropic's Messages API (`POST /v1/messages`, `POST /v1/messages/count_tokens`) speaking its
 * documented wire format: `x-api-key` and
 * `anthropic-version` headers, required `max_tokens`, alternating content blocks, SSE with `event:` names
 * (message_start, content_block_start/delta/stop, ping, message_delta, message_stop), and
 * `{"type":"error","error":{"type","message"}}` error bodies. Extended thinking (`thinking: {type: "enabled",
 * budget_tokens}`, at least 1024 and below `max_tokens`): the answer opens with a signed `thinking` block
 * (`thinking_delta` then `signature_delta` when streamed), and a thinking block sent back must carry the signature
 * the fake issued; with thinking on, an assistant turn that made a tool call must start with its thinking block,
 * as Anthropic requires. Prompt caching: the prefix up to the last `cache_control` block (tools, system, messages
 * in that order) is written to the cache the first time (`cache_creation_input_tokens`) and read after
 * (`cache_read_input_tokens`); `input_tokens` counts the rest. Structured outputs (`output_config.format`, type
 * `json_schema`): the text is JSON following the schema.
 */
export interface AnthropicFake extends FakeServer {
  readonly baseUrl: string;
}

const ERROR_TYPES: Readonly<Record<number, string>> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  529: "overloaded_error",
};

export function anthropicErrorBody(status: number, message = `fake anthropic error ${status}`): string {
  return JSON.stringify({ type: "error", error: { type: ERROR_TYPES[status] ?? "api_error", message } });
}

function fail(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "content-type": "application/json", "request-id": "req_fake" });
  res.end(anthropicErrorBody(status, message));
}

type Block = Record<string, unknown>;

/** The signature the fake gives a thinking text (Anthropic's is opaque; ours is checkable). */
export function thinkingSignature(thinking: string): string {
  return createHash("sha256").update(`fake-anthropic:${thinking}`).digest("base64");
}

/** The thinking the fake writes for a conversation. */
function thinkingFor(c: Conversation): string {
  return `The user wrote ${c.lastUserText || "a tool result"}.`;
}

/** Checks the `thinking` parameter as Anthropic does; returns whether thinking is on, or an error message. */
function readThinking(body: Record<string, unknown>): boolean | string {
  const t = body.thinking as Block | undefined;
  if (t === undefined) return false;
  if (t.type === "disabled") return false;
  if (t.type !== "enabled") return "thinking.type: Input should be 'enabled' or 'disabled'";
  const budget = t.budget_tokens;
  if (typeof budget !== "number" || !Number.isInteger(budget) || budget < 1024) {
    return "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024";
  }
  if (budget >= (body.max_tokens as number)) return "`max_tokens` must be greater than `thinking.budget_tokens`";
  return true;
}

/** Words of a block for the cache prefix (text, tool definitions). */
function blockWords(b: Block): number {
  if (typeof b.text === "string") return countWords(b.text);
  if (typeof b.content === "string") return countWords(b.content);
  return 0;
}

/** The cached prefix (key and tokens) up to the last `cache_control` block, or an error for an invalid marker. */
function cachePrefix(body: Record<string, unknown>): { key: string; tokens: number } | undefined | string {
  const ordered: Block[] = [
    ...((Array.isArray(body.tools) ? body.tools : []) as Block[]),
    ...((Array.isArray(body.system) ? body.system : []) as Block[]),
    ...((body.messages as Block[]).flatMap((m) => (Array.isArray(m.content) ? m.content : [])) as Block[]),
  ];
  let last = -1;
  for (const [i, b] of ordered.entries()) {
    if (b.cache_control === undefined) continue;
    if ((b.cache_control as Block)?.type !== "ephemeral") return "cache_control.type: Input should be 'ephemeral'";
    last = i;
  }
  if (last < 0) return undefined;
  const prefix = ordered.slice(0, last + 1);
  return { key: JSON.stringify(prefix), tokens: prefix.reduce((n, b) => n + blockWords(b), 0) };
}

/** Reads the native request into the shared conversation model; returns an error message when invalid. */
function readConversation(body: Record<string, unknown>): Script | string {
  if (typeof body.model !== "string") return "model: Field required";
  if (!Number.isInteger(body.max_tokens)) return "max_tokens: Field required";
  if (!Array.isArray(body.messages) || body.messages.length === 0) return "messages: at least one message is required";
  let system = "";
  if (typeof body.system === "string") system = body.system;
  else if (Array.isArray(body.system)) system = body.system.map((b: Block) => String(b.text)).join("\n\n");
  const conversation = new ConversationBuilder(system);
  const toolUseIds = new Set<string>();
  let previousRole = "";
  for (const [i, m] of (body.messages as Block[]).entries()) {
    if (m.role !== "user" && m.role !== "assistant") return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    if (m.role === previousRole) return `messages: roles must alternate between "user" and "assistant"`;
    previousRole = String(m.role);
    const blocks: Block[] =
      typeof m.content === "string" ? [{ type: "text", text: m.content }] : (m.content as Block[]);
    if (!Array.isArray(blocks) || blocks.length === 0) return `messages.${i}: content must be non-empty`;
    const texts: string[] = [];
    let imageCount = 0;
    let toolResult: string | undefined;
    for (const b of blocks) {
      if (b.type === "text") {
        if (typeof b.text !== "string" || b.text === "") return `messages.${i}: text content blocks must be non-empty`;
        texts.push(b.text);
      } else if (b.type === "image") {
        const source = b.source as Block;
        const ok =
          (source?.type === "base64" && typeof source.media_type === "string" && typeof source.data === "string") ||
          (source?.type === "url" && typeof source.url === "string");
        if (!ok) return `messages.${i}: invalid image source`;
        imageCount += 1;
      } else if (b.type === "thinking" && m.role === "assistant") {
        if (typeof b.thinking !== "string" || b.signature !== thinkingSignature(b.thinking)) {
          return `messages.${i}.content: Invalid \`signature\` in \`thinking\` block`;
        }
      } else if (b.type === "redacted_thinking" && m.role === "assistant") {
        if (typeof b.data !== "string") return `messages.${i}.content: invalid redacted_thinking`;
      } else if (b.type === "tool_use" && m.role === "assistant") {
        if (typeof b.id !== "string" || typeof b.input !== "object") return `messages.${i}: invalid tool_use`;
        toolUseIds.add(b.id);
      } else if (b.type === "tool_result" && m.role === "user") {
        if (!toolUseIds.has(String(b.tool_use_id))) return `messages.${i}: tool_result for unknown tool_use_id`;
        toolResult = typeof b.content === "string" ? b.content : JSON.stringify(b.content);
      } else {
        return `messages.${i}: unexpected content block type ${String(b.type)}`;
      }
    }
    conversation.message(m.role === "user" ? "user" : "other", { texts, images: imageCount, toolResult });
  }
  const tools = Array.isArray(body.tools) ? (body.tools as Block[]) : [];
  for (const t of tools) if (typeof t.name !== "string" || typeof t.input_schema !== "object") return "tools: invalid";
  const choice = body.tool_choice as Block | undefined;
  let forced: ForcedTool | undefined;
  if (choice?.type === "tool") {
    const tool = tools.find((t) => t.name === choice.name);
    if (!tool) return `tool_choice.name: no tool named ${String(choice.name)}`;
    if (body.thinking) return "Thinking may not be enabled when tool_choice forces tool use.";
    forced = { name: String(tool.name), schema: tool.input_schema as Block };
  }
  // structured outputs: `output_config.format` {type: "json_schema", schema} makes the text that JSON
  const format = (body.output_config as Block | undefined)?.format as Block | undefined;
  if (format !== undefined && (format.type !== "json_schema" || typeof format.schema !== "object")) {
    return "output_config.format: Input should be a valid json_schema format";
  }
  return conversation.script(
    tools.map((t) => String(t.name)),
    body.max_tokens,
    forced,
    format?.schema as Block | undefined,
  );
}

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** What the fake's Messages API makes of a body: an invalid-request message, a token count, or the answer. */
export type MessagesOutcome =
  | { readonly error: string }
  | { readonly count: number }
  | { readonly message: Block; readonly events: readonly string[] };

/** The state a Messages fake keeps across requests: a sequence for ids and the prompt cache's prefixes. */
export interface MessagesState {
  seq: number;
  readonly cache: Set<string>;
}

/**
 * Anthropic's Messages API on one body (also behind the Bedrock fake's InvokeModel for Claude): a count for
 * count_tokens, else the message and, when `stream`, its SSE events.
 */
export function answerMessages(
  body: Record<string, unknown>,
  state: MessagesState,
  mode: "count" | "message" | "stream",
): MessagesOutcome {
  // count_tokens takes a Messages body without `max_tokens` and answers `{"input_tokens": n}`
  const script = readConversation(mode === "count" ? { ...body, max_tokens: 1 } : body);
  if (typeof script === "string") return { error: script };
  if (mode === "count") return { count: script.prompt };
  const thinkingOn = readThinking(body);
  if (typeof thinkingOn === "string") return { error: thinkingOn };
  if (thinkingOn) {
    const messages = body.messages as Block[];
    const lastAssistant = [...messages].reverse().find((m) => m.role === "assistant");
    const blocks = (Array.isArray(lastAssistant?.content) ? lastAssistant.content : []) as Block[];
    if (blocks.some((b) => b.type === "tool_use") && !String(blocks[0]?.type).endsWith("thinking")) {
      return {
        error:
          "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`. When `thinking` is enabled, a final `assistant` message must start with a thinking block.",
      };
    }
  }
  const prefix = cachePrefix(body);
  if (typeof prefix === "string") return { error: prefix };
  state.seq += 1;
  const { seq } = state;
  const { reply, prompt: inputTokens } = script;
  const id = `msg_fake${seq}`;
  const total = inputTokens;
  const cachedTokens = prefix ? Math.min(prefix.tokens, total) : 0;
  const hit = prefix !== undefined && state.cache.has(prefix.key);
  if (prefix) state.cache.add(prefix.key);
  const usage = {
    input_tokens: total - cachedTokens,
    cache_creation_input_tokens: hit ? 0 : cachedTokens,
    cache_read_input_tokens: hit ? cachedTokens : 0,
  };
  const thinking = thinkingOn ? thinkingFor(script.conversation) : undefined;
  const thinkingBlocks: Block[] = thinking
    ? [{ type: "thinking", thinking, signature: thinkingSignature(thinking) }]
    : [];
  const content: Block[] =
    reply.kind === "text"
      ? [{ type: "text", text: reply.words.join(" ") }]
      : [
          ...(reply.preamble ? [{ type: "text", text: reply.preamble }] : []),
          { type: "tool_use", id: `toolu_fake${seq}`, name: reply.name, input: reply.args },
        ];
  const message = {
    id,
    type: "message",
    role: "assistant",
    model: body.model,
    content: [...thinkingBlocks, ...content],
    stop_reason: stopReason(reply),
    stop_sequence: null,
    usage: { ...usage, output_tokens: outputTokens(reply) + (thinking ? countWords(thinking) : 0) },
  };
  const events = mode === "stream" ? anthropicStreamFrames(id, String(body.model), reply, usage, thinking) : [];
  return { message, events };
}

export async function startAnthropicFake(options: { apiKey: string; chunkDelayMs?: number }): Promise<AnthropicFake> {
  const state: MessagesState = { seq: 0, cache: new Set() };

  async function handle({ req, res, recorded, fault }: FakeContext): Promise<void> {
    const counting = recorded.path === "/v1/messages/count_tokens";
    if (req.method !== "POST" || (recorded.path !== "/v1/messages" && !counting)) return fail(res, 404, "Not found");
    if (req.headers["x-api-key"] !== options.apiKey) return fail(res, 401, "invalid x-api-key");
    if (!req.headers["anthropic-version"]) return fail(res, 400, "anthropic-version: header is required");
    const body = recorded.json();
    const outcome = answerMessages(body, state, counting ? "count" : body.stream === true ? "stream" : "message");
    if ("error" in outcome) return fail(res, 400, outcome.error);
    if ("count" in outcome) {
      res.writeHead(200, { "content-type": "application/json", "request-id": "req_count" });
      res.end(JSON.stringify({ input_tokens: outcome.count }));
      return;
    }
    if (body.stream === true) {
      res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "request-id": `req_${state.seq}` });
      await writeFrames(res, outcome.events, fault, options.chunkDelayMs);
      return;
    }
    res.writeHead(200, { "content-type": "application/json", "request-id": `req_${state.seq}` });
    res.end(JSON.stringify(outcome.message));
  }

  const server = await startFakeServer(handle);
  return Object.assign(server, { baseUrl: `${server.origin}/v1` });
}

function stopReason(reply: ScriptedReply): string {
  if (reply.kind === "tool") return "tool_use";
  return reply.finish === "length" ? "max_tokens" : "end_turn";
}

function outputTokens(reply: ScriptedReply): number {
  return reply.kind === "text" ? reply.words.length : countWords(reply.preamble) + 5;
}

/** The SSE events Anthropic sends for a reply (exported for stream property tests). */
export function anthropicStreamFrames(
  id: string,
  model: string,
  reply: ScriptedReply,
  prompt: number | { input_tokens: number; cache_creation_input_tokens: number; cache_read_input_tokens: number },
  thinking?: string,
): string[] {
  const usage =
    typeof prompt === "number"
      ? { input_tokens: prompt, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }
      : prompt;
  const t = thinking === undefined ? 0 : 1; // the text block's index moves after the thinking block
  const frames = [
    sse("message_start", {
      type: "message_start",
      message: {
        id,
        type: "message",
        role: "assistant",
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1 },
      },
    }),
  ];
  if (thinking !== undefined) {
    const start = { type: "thinking", thinking: "", signature: "" };
    frames.push(sse("content_block_start", { type: "content_block_start", index: 0, content_block: start }));
    for (const piece of textDeltas(thinking.split(" "))) {
      const delta = { type: "thinking_delta", thinking: piece };
      frames.push(sse("content_block_delta", { type: "content_block_delta", index: 0, delta }));
    }
    const signature = { type: "signature_delta", signature: thinkingSignature(thinking) };
    frames.push(
      sse("content_block_delta", { type: "content_block_delta", index: 0, delta: signature }),
      sse("content_block_stop", { type: "content_block_stop", index: 0 }),
    );
  }
  // a forced tool's answer has no text block before the tool_use block
  const hasText = reply.kind === "text" || reply.preamble !== "";
  if (hasText) {
    frames.push(
      sse("content_block_start", { type: "content_block_start", index: t, content_block: { type: "text", text: "" } }),
      sse("ping", { type: "ping" }),
    );
    const words = reply.kind === "text" ? reply.words : reply.preamble.split(" ");
    for (const text of textDeltas(words)) {
      frames.push(
        sse("content_block_delta", { type: "content_block_delta", index: t, delta: { type: "text_delta", text } }),
      );
    }
    frames.push(sse("content_block_stop", { type: "content_block_stop", index: t }));
  } else frames.push(sse("ping", { type: "ping" }));
  if (reply.kind === "tool") {
    const index = hasText ? t + 1 : t;
    frames.push(
      sse("content_block_start", {
        type: "content_block_start",
        index,
        content_block: { type: "tool_use", id: `toolu_${id}`, name: reply.name, input: {} },
      }),
      sse("content_block_delta", {
        type: "content_block_delta",
        index,
        delta: { type: "input_json_delta", partial_json: "" },
      }),
    );
    for (const partial_json of fragments(JSON.stringify(reply.args))) {
      frames.push(
        sse("content_block_delta", {
          type: "content_block_delta",
          index,
          delta: { type: "input_json_delta", partial_json },
        }),
      );
    }
    frames.push(sse("content_block_stop", { type: "content_block_stop", index }));
  }
  frames.push(
    sse("message_delta", {
      type: "message_delta",
      delta: { stop_reason: stopReason(reply), stop_sequence: null },
      usage: { output_tokens: outputTokens(reply) + (thinking ? countWords(thinking) : 0) },
    }),
    sse("message_stop", { type: "message_stop" }),
  );
  return frames;
}
