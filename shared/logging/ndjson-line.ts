import { isUtf8 } from "node:buffer";
import type { LogRow, RequestLogRecord } from "./record";

/**
 * A row's NDJSON line, with its bodies written from the bytes they came as. A body that redaction left unchanged is
 * already UTF-8 (the request as the client sent it, the answer as the upstream sent it): escaping those bytes for
 * JSON costs about half of `JSON.stringify` on the decoded text followed by encoding the whole line again, and a
 * streamed answer's log row is mostly its body (ADR 0047).
 */

/** The bytes behind a body text: `text` as logged, `bytes` exactly its UTF-8 encoding. */
export interface BodyBytes {
  readonly text: string;
  readonly bytes: Buffer;
}

interface RowBodyBytes {
  readonly request: BodyBytes | undefined;
  readonly response: BodyBytes | undefined;
}

/** Where a request row keeps its bodies' bytes: a non-enumerable property, so copies and comparisons ignore it. */
const BODY_BYTES = Symbol("bodyBytes");

type WithBodyBytes = { [BODY_BYTES]?: RowBodyBytes };

/**
 * The bytes of a body text when they are known to be exactly its UTF-8 encoding: `source` was decoded from `bytes`
 * whole (nothing cut), the bytes are valid UTF-8 (an invalid sequence decodes to U+FFFD, not to the bytes), and
 * `text` is what decoding gave (redaction changed nothing). Otherwise undefined: the line encodes the text.
 */
export function bodyBytesOf(bytes: Buffer, source: string, text: string): BodyBytes | undefined {
  return text === source && isUtf8(bytes) ? { text, bytes } : undefined;
}

/** Keeps a request row's body bytes for its NDJSON line (when either is known). */
export function keepBodyBytes(
  row: RequestLogRecord,
  request: BodyBytes | undefined,
  response: BodyBytes | undefined,
): RequestLogRecord {
  if (request !== undefined || response !== undefined) {
    Object.defineProperty(row, BODY_BYTES, { value: { request, response } satisfies RowBodyBytes });
  }
  return row;
}

/** Bytes that JSON must escape: control characters, `"` and `\`. Every other byte (UTF-8 included) is copied. */
const MUST_ESCAPE = new Uint8Array(256);
for (let b = 0; b < 0x20; b++) MUST_ESCAPE[b] = 1;
MUST_ESCAPE[0x22] = 1;
MUST_ESCAPE[0x5c] = 1;
/** The short escapes `JSON.stringify` uses (`\b \t \n \f \r`); other control characters become `\u00XX`. */
const SHORT_ESCAPE = new Uint8Array(256);
SHORT_ESCAPE[0x08] = 0x62;
SHORT_ESCAPE[0x09] = 0x74;
SHORT_ESCAPE[0x0a] = 0x6e;
SHORT_ESCAPE[0x0c] = 0x66;
SHORT_ESCAPE[0x0d] = 0x72;
SHORT_ESCAPE[0x22] = 0x22;
SHORT_ESCAPE[0x5c] = 0x5c;
const HEX_DIGIT = Buffer.from("0123456789abcdef", "latin1");
/** An escaped byte takes at most 6 bytes (`\u00XX`); all but control characters other than \b\t\n\f\r take 2. */
const MAX_ESCAPED_BYTES_PER_BYTE = 6;
const USUAL_ESCAPED_BYTES_PER_BYTE = 2;

/**
 * Writes valid UTF-8 `src` as a JSON string (quotes included) into `dst` at `at`; returns the end. The output is
 * byte for byte what encoding `JSON.stringify(src.toString())` gives (a valid UTF-8 text has no lone surrogate, the
 * only other thing `JSON.stringify` escapes). The caller makes room for `2 + 2 * src.length` bytes before `limit`
 * (every byte but a rare control character takes at most 2); a control character written as `\u00XX` that would
 * not leave that much for the rest returns -1 instead (the bytes written so far are garbage).
 */
export function writeJsonString(src: Uint8Array, dst: Buffer, at: number, limit: number = dst.length): number {
  let out = at;
  dst[out++] = 0x22;
  const n = src.length;
  for (let i = 0; i < n; i++) {
    const b = src[i] as number;
    if (MUST_ESCAPE[b] === 0) {
      dst[out++] = b;
      continue;
    }
    dst[out++] = 0x5c;
    const short = SHORT_ESCAPE[b] as number;
    if (short !== 0) {
      dst[out++] = short;
    } else {
      // \ already written; u00XX, then at most 2 bytes for each byte left and the closing quote
      if (out + 5 + 2 * (n - 1 - i) + 1 > limit) return -1;
      dst[out++] = 0x75;
      dst[out++] = 0x30;
      dst[out++] = 0x30;
      dst[out++] = HEX_DIGIT[b >> 4] as number;
      dst[out++] = HEX_DIGIT[b & 15] as number;
    }
  }
  dst[out++] = 0x22;
  return out;
}

/** A row's line in two parts: `json`, then `tail` (bytes). Write `json` as UTF-8 and copy `tail` right after. */
export interface NdjsonLine {
  /** The row's JSON text, or (when `tail` holds the bodies) all of it but the bodies and the closing brace. */
  readonly json: string;
  /**
   * The newline alone, or `,"request_body":...,"response_body":...}` and the newline. A view of a buffer the next
   * call overwrites: copy it before encoding another row.
   */
  readonly tail: Buffer;
}

/** A body as the line writes it: bytes to escape, JSON text already escaped, or null. */
type BodySource = Uint8Array | string | null;

/** A row's line, not yet written: its JSON text and, for a request row with body bytes, the bodies to append. */
export interface LineParts {
  /** The row's JSON text, or (`withBodies`) all of it but the bodies and the closing brace. */
  readonly json: string;
  readonly withBodies: boolean;
  readonly request: BodySource;
  readonly response: BodySource;
}

/** The byte that ends each NDJSON line. */
const NDJSON_NEWLINE = 0x0a;
const NEWLINE_ONLY = Buffer.from([NDJSON_NEWLINE]);
const REQUEST_BODY_KEY = Buffer.from(',"request_body":');
const RESPONSE_BODY_KEY = Buffer.from(',"response_body":');
const NULL = Buffer.from("null");
/** `}` and the newline. */
const LINE_END_BYTES = 2;
/** Tails up to this size reuse one buffer; a larger one (a body cap raised far past the default) gets its own. */
const SCRATCH_KEEP_BYTES = 1024 * 1024;
let scratch = Buffer.allocUnsafe(64 * 1024);

type BodyField = "request_body" | "response_body";

/** The bytes to write for one body field: its known bytes, else its text (null stays null). */
function bodySource(row: RequestLogRecord, field: BodyField, known: BodyBytes | undefined): BodySource {
  const text = row[field];
  // a row copied or changed since it was built has no bytes for its current text: the text is written
  if (known !== undefined && text === known.text) return known.bytes;
  return text === null ? null : JSON.stringify(text);
}

function sourceBound(source: BodySource, bytesPerByte: number): number {
  if (source === null) return NULL.length;
  return typeof source === "string" ? source.length * 3 : 2 + bytesPerByte * source.length;
}

function writeConstant(bytes: Buffer, dst: Buffer, at: number): number {
  for (let i = 0; i < bytes.length; i++) dst[at + i] = bytes[i] as number;
  return at + bytes.length;
}

/** Room for the tail of a line with bodies (keys, bodies, `}` and the newline), counting `bytesPerByte` a body byte. */
function tailBound(parts: LineParts, bytesPerByte: number): number {
  return (
    REQUEST_BODY_KEY.length +
    RESPONSE_BODY_KEY.length +
    sourceBound(parts.request, bytesPerByte) +
    sourceBound(parts.response, bytesPerByte) +
    LINE_END_BYTES
  );
}

/** Writes one body; -1 when a rare escape left too little room before `limit` (see `writeJsonString`). */
function writeBody(source: BodySource, dst: Buffer, at: number, limit: number): number {
  if (source === null) return writeConstant(NULL, dst, at);
  return typeof source === "string" ? at + dst.write(source, at) : writeJsonString(source, dst, at, limit);
}

/**
 * The row's line, not yet written. A request row whose record builder kept body bytes becomes its other columns'
 * `JSON.stringify` and the two bodies to escape from their bytes (the body keys last); any other row is its
 * `JSON.stringify`. Either way the line parses to the same object.
 */
export function lineParts(row: LogRow): LineParts {
  const known = (row as WithBodyBytes)[BODY_BYTES];
  if (known === undefined || row.kind !== "request") {
    return { json: JSON.stringify(row), withBodies: false, request: null, response: null };
  }
  const request = bodySource(row, "request_body", known.request);
  const response = bodySource(row, "response_body", known.response);
  // the other columns' JSON: the body keys left out (JSON.stringify skips undefined values) and put back after
  const { request_body: requestText, response_body: responseText } = row;
  const bodies = row as unknown as Record<BodyField, string | null | undefined>;
  bodies.request_body = undefined;
  bodies.response_body = undefined;
  let json: string;
  try {
    json = JSON.stringify(row);
  } finally {
    bodies.request_body = requestText;
    bodies.response_body = responseText;
  }
  return { json: json.slice(0, -1), withBodies: true, request, response };
}

/** Writes the bodies, `}` and the newline at `at`, within `limit`; -1 when a rare escape did not fit. */
function writeBodies(parts: LineParts, dst: Buffer, at: number, limit: number, bytesPerByte: number): number {
  const afterRequest = RESPONSE_BODY_KEY.length + sourceBound(parts.response, bytesPerByte) + LINE_END_BYTES;
  let out = writeBody(parts.request, dst, writeConstant(REQUEST_BODY_KEY, dst, at), limit - afterRequest);
  if (out === -1) return -1;
  out = writeBody(parts.response, dst, writeConstant(RESPONSE_BODY_KEY, dst, out), limit - LINE_END_BYTES);
  if (out === -1) return -1;
  dst[out++] = 0x7d; // }
  dst[out++] = NDJSON_NEWLINE;
  return out;
}

/**
 * Writes the line into `dst` at `at` when it surely fits before `dst.length` (counting 2 bytes for each body byte,
 * as all but rare control characters take); returns its end, or -1 when it may not fit (nothing usable written).
 * Writing in place spares copying the line from a scratch buffer.
 */
export function writeLineInPlace(parts: LineParts, dst: Buffer, at: number): number {
  const { json, withBodies } = parts;
  const tail = withBodies ? tailBound(parts, USUAL_ESCAPED_BYTES_PER_BYTE) : NEWLINE_ONLY.length;
  if (dst.length - at < json.length * 3 + tail) return -1;
  const out = at + dst.write(json, at);
  if (!withBodies) {
    dst[out] = NDJSON_NEWLINE;
    return out + 1;
  }
  return writeBodies(parts, dst, out, dst.length, USUAL_ESCAPED_BYTES_PER_BYTE);
}

/** The line as text and tail bytes (the tail in a buffer the next call overwrites). */
export function lineBytes(parts: LineParts): NdjsonLine {
  if (!parts.withBodies) return { json: parts.json, tail: NEWLINE_ONLY };
  const bound = tailBound(parts, MAX_ESCAPED_BYTES_PER_BYTE);
  const dst = bound <= scratch.length ? scratch : Buffer.allocUnsafe(bound);
  if (dst !== scratch && bound <= SCRATCH_KEEP_BYTES) scratch = dst;
  // room for 6 bytes per body byte: no escape can run out of it
  const end = writeBodies(parts, dst, 0, bound, MAX_ESCAPED_BYTES_PER_BYTE);
  return { json: parts.json, tail: dst.subarray(0, end) };
}

/** The row's NDJSON line as text and tail bytes (`lineParts`, then `lineBytes`). */
export function ndjsonLine(row: LogRow): NdjsonLine {
  return lineBytes(lineParts(row));
}
