import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import type { ErrorBody } from "../core/errors";
import { bedrockUsage } from "./bedrock-response";
import { bedrockFinish, ChatChunkWriter } from "./openai-chunks";
import type { StreamTranslator, Usage } from "./types";

type Json = Record<string, unknown>;

/** One codec per process: it is stateless for decoding whole messages. */
export const EVENT_STREAM_CODEC = new EventStreamCodec(toUtf8, fromUtf8);
const EMPTY = Buffer.alloc(0);

/** A decoded event-stream message: its `:message-type`, `:event-type` / `:exception-type` and JSON payload. */
export interface BedrockFrame {
  readonly messageType: string;
  readonly type: string;
  readonly payload: Json;
}

/**
 * Splits the `application/vnd.amazon.eventstream` byte stream into whole messages (split at any byte) and decodes
 * each with `@smithy/eventstream-codec` (which checks the prelude and message CRCs).
 */
export class EventStreamFramer {
  /** Bytes of a message not complete yet, in the pieces they came in (joined once the message is complete). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Total length of the message being collected, once its 4-byte prelude length is in; 0 before. */
  private needed = 0;

  push(chunk: Buffer): BedrockFrame[] {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.needed === 0 && this.pendingBytes >= 4) this.needed = this.joined().readUInt32BE(0);
    // linear in the message's size however it is split: nothing is joined before the whole message is in
    if (this.pendingBytes < 4 || this.pendingBytes < this.needed) return [];
    let buf = this.joined();
    const frames: BedrockFrame[] = [];
    while (buf.length >= 4) {
      const total = buf.readUInt32BE(0);
      if (buf.length < total) break;
      const message = EVENT_STREAM_CODEC.decode(buf.subarray(0, total));
      const header = (name: string): string => {
        const h = message.headers[name];
        return h && typeof h.value === "string" ? h.value : "";
      };
      let payload: Json = {};
      try {
        payload = message.body.length ? (JSON.parse(toUtf8(message.body)) as Json) : {};
      } catch {
        payload = { message: toUtf8(message.body) };
      }
      const messageType = header(":message-type") || "event";
      frames.push({ messageType, type: header(messageType === "event" ? ":event-type" : ":exception-type"), payload });
      buf = buf.subarray(total);
    }
    this.pending = buf.length ? [Buffer.from(buf)] : [];
    this.pendingBytes = buf.length;
    this.needed = buf.length >= 4 ? buf.readUInt32BE(0) : 0;
    return frames;
  }

  /** Bytes left over at the end (a cut-off message). */
  get leftover(): number {
    return this.pendingBytes;
  }

  private joined(): Buffer {
    if (this.pending.length > 1) this.pending = [Buffer.concat(this.pending, this.pendingBytes)];
    return this.pending[0] ?? EMPTY;
  }
}

/**
 * ConverseStream -> OpenAI chunks: messageStart, contentBlockStart (toolUse), contentBlockDelta (text, toolUse
 * input fragments, reasoningContent), contentBlockStop, messageStop, metadata (usage); exception frames become an SSE error event.
 * Complete after `messageStop`; the usage chunk and `[DONE]` follow at the end of the upstream (after `metadata`).
 */
export class BedrockStreamTranslator implements StreamTranslator {
  usage: Usage | undefined;
  finished = false;
  error: ErrorBody | undefined;
  private readonly framer = new EventStreamFramer();
  private readonly writer: ChatChunkWriter;
  private readonly toolIndex = new Map<number, number>();

  constructor(
    readonly model: string,
    id: string,
    includeUsage: boolean,
    private readonly strict = true,
  ) {
    this.writer = new ChatChunkWriter(id, model, includeUsage);
  }

  push(chunk: Buffer): string {
    if (this.error) return "";
    let frames: BedrockFrame[];
    try {
      frames = this.framer.push(chunk);
    } catch (err) {
      return this.fail("stream_corrupt", `The bedrock event stream could not be decoded: ${(err as Error).message}`);
    }
    let out = "";
    for (const frame of frames) {
      if (this.error) break;
      out += this.onFrame(frame);
    }
    return out;
  }

  end(): string {
    if (!this.finished || this.error) return "";
    return (
      this.writer.usage(this.usage ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }) + this.writer.done()
    );
  }

  private onFrame(frame: BedrockFrame): string {
    const p = frame.payload;
    if (frame.messageType !== "event") {
      const message = typeof p.message === "string" ? p.message : `bedrock stream ${frame.type || "error"}`;
      return this.fail(frame.type || "stream_error", message);
    }
    switch (frame.type) {
      case "messageStart":
        return this.writer.role();
      case "contentBlockStart": {
        const use = (p.start as Json | undefined)?.toolUse as Json | undefined;
        if (!use) return "";
        const index = this.toolIndex.size;
        this.toolIndex.set(Number(p.contentBlockIndex), index);
        return this.writer.toolCallStart(index, String(use.toolUseId), String(use.name));
      }
      case "contentBlockDelta": {
        const delta = (p.delta ?? {}) as Json;
        if (typeof delta.text === "string") return delta.text ? this.writer.content(delta.text) : "";
        if (delta.reasoningContent) return this.reasoning(Number(p.contentBlockIndex), delta.reasoningContent as Json);
        const input = (delta.toolUse as Json | undefined)?.input;
        const index = this.toolIndex.get(Number(p.contentBlockIndex));
        return typeof input === "string" && input && index !== undefined
          ? this.writer.toolCallArguments(index, input)
          : "";
      }
      case "messageStop":
        this.finished = true;
        return this.writer.finish(bedrockFinish(p.stopReason));
      case "metadata":
        if (p.usage && typeof p.usage === "object") this.usage = bedrockUsage(p.usage as Json);
        return "";
      default:
        return ""; // contentBlockStop and event types added later
    }
  }

  /**
   * A `reasoningContent` delta: its text as a `reasoning_content` delta; with `strict` off, also Portkey's
   * `content_blocks` deltas (thinking, signature, redacted data), as for Anthropic.
   */
  private reasoning(index: number, delta: Json): string {
    if (typeof delta.text === "string" && delta.text) {
      return this.strict
        ? this.writer.reasoning(delta.text)
        : this.writer.contentBlock(index, { thinking: delta.text }, delta.text);
    }
    if (this.strict) return "";
    if (typeof delta.signature === "string") return this.writer.contentBlock(index, { signature: delta.signature });
    if (typeof delta.redactedContent === "string") {
      return this.writer.contentBlock(index, { data: delta.redactedContent });
    }
    return "";
  }

  private fail(type: string, message: string): string {
    this.error = { error: { message, type, param: null, code: type } };
    this.finished = true;
    return this.writer.error(this.error);
  }
}
