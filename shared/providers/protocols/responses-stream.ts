import { StringDecoder } from "node:string_decoder";
import type { ErrorBody } from "../../core/errors";
import type { StreamTranslator, TransformContext, Usage } from "../types";
import {
  completeResponse,
  functionCallItem,
  messageItem,
  newResponseIds,
  reasoningItem,
  responseShell,
} from "./responses-answer";

type Json = Record<string, unknown>;

/** One output item being streamed: its place in `output`, its id and what it has accumulated. */
interface OpenItem {
  readonly kind: "message" | "function_call" | "reasoning";
  readonly index: number;
  readonly id: string;
  text: string;
  readonly callId: string;
  readonly name: string;
  done: boolean;
}

/** One SSE event in the Responses wire format (`event:` line and JSON data with its sequence number). */
function sse(type: string, payload: Json, sequence: number): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...payload, sequence_number: sequence })}\n\n`;
}

/** The `code` of a failed response's `error` (OpenAI's enum): rate limits kept, anything else a server error. */
function failureCode(error: ErrorBody["error"]): string {
  return error.code === "rate_limit_exceeded" || error.type === "rate_limit_error"
    ? "rate_limit_exceeded"
    : "server_error";
}

/**
 * A provider's chat stream (OpenAI `chat.completion.chunk` SSE, from the provider's own translator) as OpenAI's
 * Responses stream, in the documented order: `response.created`, `response.in_progress`, per output item
 * `response.output_item.added`, its content part and deltas, their `.done` events and `response.output_item.done`,
 * then `response.completed` (or `response.incomplete`) with the usage. An error ends it with `response.failed` and
 * an `error` event. Items are streamed one after another: a new item closes the open one.
 */
export class ResponsesFromChatStream implements StreamTranslator {
  private readonly ids = newResponseIds();
  private readonly decoder = new StringDecoder("utf8");
  private carry = "";
  private sequence = 0;
  private shell: Json | undefined;
  private readonly items: OpenItem[] = [];
  private open: OpenItem | undefined;
  private readonly tools = new Map<number, OpenItem>();
  private finishReason: unknown;
  private ended = false;
  private failure: ErrorBody | undefined;
  /** The final response (`response.completed` / `.incomplete`), once sent: what the gateway stores. */
  completed: Json | undefined;

  constructor(
    private readonly chat: StreamTranslator,
    private readonly ctx: TransformContext,
  ) {}

  get usage(): Usage | undefined {
    return this.chat.usage;
  }

  get model(): string | undefined {
    return this.chat.model;
  }

  get finished(): boolean {
    return this.ended;
  }

  get error(): ErrorBody | undefined {
    return this.failure ?? this.chat.error;
  }

  push(chunk: Buffer): string {
    return this.translate(this.chat.push(chunk));
  }

  end(): string {
    let out = this.translate(this.chat.end());
    if (this.carry.trim() !== "") out += this.onEvent(this.carry);
    this.carry = "";
    if (!this.ended && this.chat.finished && !this.chat.error) out += this.complete();
    return out;
  }

  /** The stream failed in the gateway (stall, cut, deadline): `response.failed` and an `error` event. */
  errorEvent(error: ErrorBody): string {
    return this.fail(error);
  }

  private translate(chatOut: string | Buffer): string {
    if (chatOut.length === 0 || this.ended) return "";
    const text = this.carry + (typeof chatOut === "string" ? chatOut : this.decoder.write(chatOut));
    const events = text.split(/\r?\n\r?\n/);
    this.carry = events.pop() ?? "";
    let out = "";
    for (const event of events) out += this.onEvent(event);
    return out;
  }

  private onEvent(event: string): string {
    if (this.ended) return "";
    let data = "";
    for (const line of event.split(/\r?\n/)) if (line.startsWith("data:")) data += line.slice(5).trimStart();
    if (data === "") return "";
    if (data === "[DONE]") return this.complete();
    let chunk: Json;
    try {
      chunk = JSON.parse(data) as Json;
    } catch {
      return "";
    }
    if (chunk.error && typeof chunk.error === "object") return this.fail(chunk as unknown as ErrorBody);
    let out = this.start(chunk);
    const choice = (Array.isArray(chunk.choices) ? chunk.choices[0] : undefined) as Json | undefined;
    const delta = (choice?.delta ?? {}) as Json;
    if (typeof delta.reasoning_content === "string" && delta.reasoning_content !== "") {
      out += this.appendText("reasoning", delta.reasoning_content);
    }
    for (const piece of [delta.content, delta.refusal]) {
      if (typeof piece === "string" && piece !== "") out += this.appendText("message", piece);
    }
    if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) out += this.onToolCall(call as Json);
    if (typeof choice?.finish_reason === "string") this.finishReason = choice.finish_reason;
    return out;
  }

  /** `response.created` and `response.in_progress`, before the first item. */
  private start(chunk: Json): string {
    if (this.shell) return "";
    const model = this.chat.model ?? (typeof chunk.model === "string" ? chunk.model : undefined);
    const created = typeof chunk.created === "number" ? chunk.created : Math.floor(Date.now() / 1000);
    this.shell = responseShell(this.ctx.body, this.ids, model, created);
    return (
      this.emit("response.created", { response: this.shell }) +
      this.emit("response.in_progress", { response: this.shell })
    );
  }

  private emit(type: string, payload: Json): string {
    return sse(type, payload, this.sequence++);
  }

  private openItem(kind: OpenItem["kind"], callId = "", name = ""): { item: OpenItem; out: string } {
    let out = this.closeOpen();
    const index = this.items.length;
    const prefix = kind === "message" ? "msg" : kind === "reasoning" ? "rs" : "fc";
    const item: OpenItem = { kind, index, id: this.ids.item(prefix, index), text: "", callId, name, done: false };
    this.items.push(item);
    this.open = item;
    const where = { output_index: index };
    if (kind === "function_call") {
      out += this.emit("response.output_item.added", {
        ...where,
        item: functionCallItem(item.id, callId, name, "", "in_progress"),
      });
      return { item, out };
    }
    const added =
      kind === "message"
        ? { id: item.id, type: "message", status: "in_progress", content: [], role: "assistant" }
        : { id: item.id, type: "reasoning", summary: [], content: [] };
    out += this.emit("response.output_item.added", { ...where, item: added });
    const part =
      kind === "message"
        ? { type: "output_text", annotations: [], logprobs: [], text: "" }
        : { type: "reasoning_text", text: "" };
    out += this.emit("response.content_part.added", { item_id: item.id, ...where, content_index: 0, part });
    return { item, out };
  }

  private appendText(kind: "message" | "reasoning", delta: string): string {
    let out = "";
    let item = this.open;
    if (item?.kind !== kind) ({ item, out } = this.openItem(kind));
    item.text += delta;
    const type = kind === "message" ? "response.output_text.delta" : "response.reasoning_text.delta";
    const extra = kind === "message" ? { logprobs: [] } : {};
    return out + this.emit(type, { item_id: item.id, output_index: item.index, content_index: 0, delta, ...extra });
  }

  private onToolCall(call: Json): string {
    const k = typeof call.index === "number" ? call.index : 0;
    const fn = (call.function ?? {}) as Json;
    let out = "";
    let item = this.tools.get(k);
    if (!item) {
      const callId = typeof call.id === "string" ? call.id : `call_${this.ids.item("fc", this.items.length)}`;
      ({ item, out } = this.openItem("function_call", callId, typeof fn.name === "string" ? fn.name : ""));
      this.tools.set(k, item);
    }
    const args = fn.arguments;
    if (typeof args !== "string" || args === "") return out;
    item.text += args;
    if (item.done) return out; // a late fragment of a call already closed: kept for the final response only
    return (
      out +
      this.emit("response.function_call_arguments.delta", { item_id: item.id, output_index: item.index, delta: args })
    );
  }

  /** The open item's `.done` events. */
  private closeOpen(): string {
    const item = this.open;
    this.open = undefined;
    if (!item || item.done) return "";
    item.done = true;
    const where = { item_id: item.id, output_index: item.index };
    if (item.kind === "function_call") {
      return (
        this.emit("response.function_call_arguments.done", { ...where, arguments: item.text }) +
        this.emit("response.output_item.done", { output_index: item.index, item: this.finalItem(item) })
      );
    }
    const part =
      item.kind === "message"
        ? { type: "output_text", annotations: [], logprobs: [], text: item.text }
        : { type: "reasoning_text", text: item.text };
    const textDone =
      item.kind === "message"
        ? this.emit("response.output_text.done", { ...where, content_index: 0, text: item.text, logprobs: [] })
        : this.emit("response.reasoning_text.done", { ...where, content_index: 0, text: item.text });
    return (
      textDone +
      this.emit("response.content_part.done", { ...where, content_index: 0, part }) +
      this.emit("response.output_item.done", { output_index: item.index, item: this.finalItem(item) })
    );
  }

  private finalItem(item: OpenItem): Json {
    if (item.kind === "function_call") return functionCallItem(item.id, item.callId, item.name, item.text, "completed");
    if (item.kind === "reasoning") return reasoningItem(item.id, item.text);
    return messageItem(item.id, item.text, "completed");
  }

  /** The chat stream ended cleanly: the open item closes, then `response.completed` (or `.incomplete`). */
  private complete(): string {
    if (this.ended) return "";
    let out = this.shell ? "" : this.start({});
    if (this.items.length === 0) out += this.openItem("message").out; // an empty answer is one empty message
    out += this.closeOpen();
    this.ended = true;
    const shell = this.shell as Json;
    const response = completeResponse(
      shell,
      this.items.map((item) => this.finalItem(item)),
      this.finishReason,
      this.chat.usage,
    );
    this.completed = response;
    const type = response.status === "incomplete" ? "response.incomplete" : "response.completed";
    return out + this.emit(type, { response });
  }

  /** `response.failed` (the response so far, with the error) and the `error` event; the stream ends here. */
  private fail(body: ErrorBody): string {
    if (this.ended) return "";
    this.ended = true;
    this.failure ??= body;
    const error = body.error;
    let out = this.shell ? "" : this.start({});
    const response = {
      ...(this.shell as Json),
      status: "failed",
      error: { code: failureCode(error), message: error.message },
      output: this.items.map((item) => ({ ...this.finalItem(item), status: item.done ? "completed" : "incomplete" })),
    };
    out += this.emit("response.failed", { response });
    out += this.emit("error", { code: error.code ?? error.type, message: error.message, param: error.param });
    return out;
  }
}
