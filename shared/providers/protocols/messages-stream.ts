import type { ErrorBody } from "../../core/errors";
import { streamErrorEvent } from "../../core/errors";
import { type SseEvent, SseParser } from "../sse-parser";
import type { StreamTranslator, Usage } from "../types";
import { anthropicUsageOf, stopReason } from "./messages-from-chat";

type Json = Record<string, unknown>;
type BlockKind = "thinking" | "text" | "tool_use";

function sse(type: string, data: Json): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/**
 * A provider's chat stream (OpenAI `chat.completion.chunk` SSE, as its own translator writes it) as Anthropic's
 * Messages events: `message_start` and a `ping`, then one content block at a time (`content_block_start`, its
 * `thinking_delta` / `text_delta` / `input_json_delta` deltas, `content_block_stop`): reasoning as a thinking
 * block, content as a text block, each tool call as a `tool_use` block; at the end `message_delta` with the
 * `stop_reason` and the usage, and `message_stop`. An error the provider reported becomes an `error` event.
 */
export class MessagesStreamTranslator implements StreamTranslator {
  finished = false;
  private readonly parser = new SseParser();
  private started = false;
  private block: { kind: BlockKind; index: number } | undefined;
  private blocks = 0;
  /** OpenAI tool-call index -> content block index. */
  private readonly toolBlocks = new Map<number, number>();
  private finish: unknown = null;

  constructor(
    private readonly chat: StreamTranslator,
    private readonly requestedModel: string,
  ) {}

  get usage(): Usage | undefined {
    return this.chat.usage;
  }

  get model(): string | undefined {
    return this.chat.model;
  }

  get error(): ErrorBody | undefined {
    return this.chat.error;
  }

  push(chunk: Buffer): string {
    return this.translate(this.chat.push(chunk));
  }

  end(): string {
    let out = this.translate(this.chat.end());
    out += this.onEvents(this.parser.end());
    // the provider finished cleanly but its translator wrote no [DONE]: close the message here
    if (!this.finished && this.chat.finished && !this.chat.error) out += this.close();
    return out;
  }

  private translate(out: string | Buffer): string {
    if (out.length === 0 || this.finished) return "";
    return this.onEvents(this.parser.push(typeof out === "string" ? Buffer.from(out) : out));
  }

  private onEvents(events: readonly SseEvent[]): string {
    let out = "";
    for (const event of events) {
      if (this.finished) break;
      out += this.onEvent(event);
    }
    return out;
  }

  private onEvent(event: SseEvent): string {
    if (event.data === "[DONE]") return this.close();
    let chunk: Json;
    try {
      chunk = JSON.parse(event.data) as Json;
    } catch {
      return "";
    }
    if (chunk.error && typeof chunk.error === "object") {
      this.finished = true;
      return streamErrorEvent(chunk as unknown as ErrorBody, "anthropic");
    }
    let out = this.start(chunk);
    const choice = (Array.isArray(chunk.choices) ? chunk.choices[0] : undefined) as Json | undefined;
    if (!choice) return out;
    const delta = (choice.delta ?? {}) as Json;
    const reasoning = delta.reasoning_content ?? delta.reasoning;
    if (typeof reasoning === "string" && reasoning) {
      out += this.open("thinking") + this.delta({ type: "thinking_delta", thinking: reasoning });
    }
    if (typeof delta.content === "string" && delta.content) {
      out += this.open("text") + this.delta({ type: "text_delta", text: delta.content });
    }
    if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls as Json[]) out += this.toolCall(call);
    if (choice.finish_reason) {
      this.finish = choice.finish_reason;
      out += this.stop();
    }
    return out;
  }

  private start(chunk: Json): string {
    if (this.started) return "";
    this.started = true;
    const message = {
      id: typeof chunk.id === "string" ? chunk.id : "msg_unknown",
      type: "message",
      role: "assistant",
      model: typeof chunk.model === "string" ? chunk.model : this.requestedModel,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0 },
    };
    return sse("message_start", { message }) + sse("ping", {});
  }

  /** Opens a block of `kind` unless one is open (closing the open one of another kind). */
  private open(kind: Exclude<BlockKind, "tool_use">): string {
    if (this.block?.kind === kind) return "";
    const out = this.stop();
    const index = this.blocks++;
    this.block = { kind, index };
    const contentBlock =
      kind === "text" ? { type: "text", text: "" } : { type: "thinking", thinking: "", signature: "" };
    return out + sse("content_block_start", { index, content_block: contentBlock });
  }

  private delta(delta: Json, index = this.block?.index): string {
    return sse("content_block_delta", { index, delta });
  }

  private toolCall(call: Json): string {
    const toolIndex = typeof call.index === "number" ? call.index : 0;
    const fn = (call.function ?? {}) as Json;
    let out = "";
    let index = this.toolBlocks.get(toolIndex);
    if (index === undefined) {
      out += this.stop();
      index = this.blocks++;
      this.toolBlocks.set(toolIndex, index);
      this.block = { kind: "tool_use", index };
      const id = typeof call.id === "string" ? call.id : `toolu_${index}`;
      const contentBlock = { type: "tool_use", id, name: String(fn.name ?? ""), input: {} };
      out += sse("content_block_start", { index, content_block: contentBlock });
    }
    if (typeof fn.arguments === "string" && fn.arguments) {
      out += this.delta({ type: "input_json_delta", partial_json: fn.arguments }, index);
    }
    return out;
  }

  /** Closes the open block, if any. */
  private stop(): string {
    if (!this.block) return "";
    const { index } = this.block;
    this.block = undefined;
    return sse("content_block_stop", { index });
  }

  /** The end of the message: the open block, then the stop reason and the usage (known only now), then the stop. */
  private close(): string {
    if (this.finished) return "";
    this.finished = true;
    const out = this.start({}) + this.stop();
    const delta = { stop_reason: stopReason(this.finish ?? "stop"), stop_sequence: null };
    return out + sse("message_delta", { delta, usage: anthropicUsageOf(this.chat.usage) }) + sse("message_stop", {});
  }
}
