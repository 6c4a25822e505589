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
  /** The start of a line not complete yet, in the pieces it came in (joined once, when its line end arrives). */
  private pending: string[] = [];
  /** The last line ended with a CR: a LF at the start of the next input is the rest of that CRLF. */
  private afterCr = false;
  private eventName = "";
  private data: string[] = [];

  push(chunk: Buffer): SseEvent[] {
    const text = this.decoder.write(chunk);
    const out: SseEvent[] = [];
    let start = 0;
    if (this.afterCr && text.length) {
      this.afterCr = false;
      if (text.charCodeAt(0) === 10) start = 1;
    }
    const len = text.length;
    while (start < len) {
      const lf = text.indexOf("\n", start);
      const cr = text.indexOf("\r", start);
      let end: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        end = cr;
        if (cr === len - 1) {
          // a CR at the very end may be the first half of a CRLF: the next input says
          this.afterCr = true;
          next = len;
        } else {
          next = text.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1;
        }
      } else if (lf !== -1) {
        end = lf;
        next = lf + 1;
      } else {
        // no line end: keep the piece; searching resumes in the next input only (linear in the line's length)
        this.pending.push(start === 0 ? text : text.slice(start));
        return out;
      }
      if (this.pending.length) {
        this.pending.push(text.slice(start, end));
        const line = this.pending.join("");
        this.pending = [];
        this.line(line, 0, line.length, out);
      } else {
        this.line(text, start, end, out);
      }
      start = next;
    }
    return out;
  }

  /** End of input: a last event without its blank line is still delivered (lenient, like most SDKs). */
  end(): SseEvent[] {
    const out: SseEvent[] = [];
    this.pending.push(this.decoder.end());
    const rest = this.pending.join("");
    this.pending = [];
    this.afterCr = false;
    if (rest.length) this.line(rest, 0, rest.length, out);
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
