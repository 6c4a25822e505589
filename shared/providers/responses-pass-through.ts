import type { ErrorBody } from "../core/errors";
import { lastEventBoundary, readOpenAIUsage } from "./sse-usage-scanner";
import type { StreamTranslator, Usage } from "./types";

const EMPTY = Buffer.alloc(0);
const BLANK_LINE = Buffer.from("\n\n");
/** The events that end a Responses stream: the only ones parsed. */
const TERMINAL = [
  Buffer.from('"response.completed"'),
  Buffer.from('"response.incomplete"'),
  Buffer.from('"response.failed"'),
  Buffer.from('"type":"error"'),
];
const MODEL_RE = /"model"\s*:\s*"([^"]*)"/;

type Json = Record<string, unknown>;

function hasTerminal(events: Buffer): boolean {
  for (const marker of TERMINAL) if (events.includes(marker)) return true;
  return false;
}

/**
 * OpenAI's Responses stream from a provider that speaks it (openai, azure-openai), passed through unchanged in whole
 * events. On the side: the model (first event), the usage and the end from the terminal event
 * (`response.completed` / `.incomplete`; `response.failed` and `error` are failures the log records). Only the
 * terminal events are parsed. A failure in the gateway ends the stream with an `error` event in the same format.
 */
export class ResponsesPassThrough implements StreamTranslator {
  usage: Usage | undefined;
  model: string | undefined;
  finished = false;
  error: ErrorBody | undefined;
  private carry: Buffer = EMPTY;
  /** Events passed on: the next sequence number, for a gateway-made `error` event. */
  private events = 0;

  push(chunk: Buffer): Buffer {
    const buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const boundary = lastEventBoundary(buf);
    this.carry = boundary < buf.length ? Buffer.from(buf.subarray(boundary)) : EMPTY;
    if (boundary === 0) return EMPTY;
    const events = boundary === buf.length ? buf : buf.subarray(0, boundary);
    this.scan(events);
    return events;
  }

  end(): Buffer {
    const rest = this.carry;
    this.carry = EMPTY;
    if (rest.length) this.scan(rest);
    return rest;
  }

  errorEvent(body: ErrorBody): string {
    const { message, code, type, param } = body.error;
    const data = { type: "error", code: code ?? type, message, param, sequence_number: this.events };
    return `event: error\ndata: ${JSON.stringify(data)}\n\n`;
  }

  private scan(events: Buffer): void {
    for (let at = events.indexOf(BLANK_LINE); at !== -1; at = events.indexOf(BLANK_LINE, at + 2)) this.events++;
    if (this.model === undefined) {
      const m = MODEL_RE.exec(events.toString("utf8", 0, Math.min(events.length, 4096)));
      if (m) this.model = m[1];
    }
    if (!hasTerminal(events)) return;
    for (const event of events.toString("utf8").split(/\r?\n\r?\n/)) {
      const data = /^data:\s?(.*)$/m.exec(event)?.[1];
      if (!data) continue;
      let parsed: Json;
      try {
        parsed = JSON.parse(data) as Json;
      } catch {
        continue;
      }
      this.onTerminal(parsed);
    }
  }

  private onTerminal(event: Json): void {
    const response = (event.response ?? {}) as Json;
    switch (event.type) {
      case "response.completed":
      case "response.incomplete":
        this.finished = true;
        this.usage = readOpenAIUsage(response.usage) ?? this.usage;
        if (typeof response.model === "string") this.model = response.model;
        return;
      case "response.failed": {
        this.finished = true;
        this.usage = readOpenAIUsage(response.usage) ?? this.usage;
        const failure = (response.error ?? {}) as Json;
        this.error ??= errorBody(failure.message, failure.code, "server_error");
        return;
      }
      case "error":
        this.finished = true;
        this.error ??= errorBody(event.message, event.code, "upstream_error", event.param);
        return;
    }
  }
}

function errorBody(message: unknown, code: unknown, type: string, param?: unknown): ErrorBody {
  return {
    error: {
      message: typeof message === "string" ? message : "The response failed.",
      type,
      param: typeof param === "string" ? param : null,
      code: typeof code === "string" ? code : null,
    },
  };
}

/** The Responses endpoints a provider that speaks OpenAI's Responses API serves natively (openai, azure-openai). */
export const RESPONSES_ENDPOINTS = ["responses", "responses_get", "responses_delete", "responses_input_items"] as const;

/** What differs from the endpoint table's defaults for them: the stream ends with `response.completed`, not `[DONE]`. */
export const RESPONSES_OVERRIDES = { responses: { stream: () => new ResponsesPassThrough() } } as const;
