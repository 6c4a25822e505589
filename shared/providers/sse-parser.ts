import { StringDecoder } from "node:string_decoder";

/** One server-sent event: `event` is "" when the event had no `event:` field (the spec's default "message"). */
export interface SseEvent {
  readonly event: string;
  readonly data: string;
}

/**
 * Incremental SSE parser (WHATWG "event stream interpretation"). The input may be split at any byte, including
 * inside a multi-byte UTF-8 character or between the `\r` and `\n` of a CRLF. Lines end with LF, CRLF or CR;
 * comment lines (`:`) and `id`/`retry` fields are ignored; several `data:` lines join with "\n".
 */
export class SseParser {
  private readonly decoder = new StringDecoder("utf8");
  private buf = "";
  private eventName = "";
  private data: string[] = [];

  push(chunk: Buffer): SseEvent[] {
    this.buf += this.decoder.write(chunk);
    const out: SseEvent[] = [];
    const buf = this.buf;
    let start = 0;
    const len = buf.length;
    while (start < len) {
      const lf = buf.indexOf("\n", start);
      const cr = buf.indexOf("\r", start);
      let end: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        // a CR at the very end may be the first half of a CRLF: wait for the next byte
        if (cr === len - 1) break;
        end = cr;
        next = buf.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1;
      } else if (lf !== -1) {
        end = lf;
        next = lf + 1;
      } else {
        break;
      }
      this.line(buf, start, end, out);
      start = next;
    }
    this.buf = start === 0 ? buf : buf.slice(start);
    return out;
  }

  /** End of input: a last event without its blank line is still delivered (lenient, like most SDKs). */
  end(): SseEvent[] {
    const out: SseEvent[] = [];
    const rest = this.buf + this.decoder.end();
    this.buf = "";
    if (rest.length) {
      const trimmed = rest.endsWith("\r") ? rest.slice(0, -1) : rest;
      this.line(trimmed, 0, trimmed.length, out);
    }
    if (this.data.length) this.dispatch(out);
    return out;
  }

  private line(buf: string, start: number, end: number, out: SseEvent[]): void {
    if (start === end) {
      if (this.data.length) this.dispatch(out);
      else this.eventName = "";
      return;
    }
    if (buf.charCodeAt(start) === 58 /* : */) return;
    const colon = buf.indexOf(":", start);
    let field: string;
    let value: string;
    if (colon === -1 || colon >= end) {
      field = buf.slice(start, end);
      value = "";
    } else {
      field = buf.slice(start, colon);
      const valueStart = buf.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1;
      value = buf.slice(valueStart, end);
    }
    if (field === "data") this.data.push(value);
    else if (field === "event") this.eventName = value;
  }

  private dispatch(out: SseEvent[]): void {
    out.push({ event: this.eventName, data: this.data.length === 1 ? (this.data[0] as string) : this.data.join("\n") });
    this.data = [];
    this.eventName = "";
  }
}
