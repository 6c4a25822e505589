import { randomBytes } from "node:crypto";

/**
 * The request's place in a W3C Trace Context trace (https://www.w3.org/TR/trace-context/). Built once per request
 * when the client sent a valid `traceparent` or OpenTelemetry is on; absent otherwise (nothing is paid for it).
 */
export interface RequestTrace {
  /** 32 lower-case hex digits: the client's trace, or a new one. */
  readonly traceId: string;
  /** The client's span (the `traceparent` parent id), when it sent one. */
  readonly parentSpanId?: string;
  /** Our request span's id; absent when OpenTelemetry is off (the client's `traceparent` is then passed on as is). */
  readonly spanId?: string;
  /** The trace flags, two hex digits (`01`: sampled). */
  readonly flags: string;
  /** The client's `tracestate`, when valid: passed upstream unchanged. */
  readonly tracestate?: string;
}

// Version 00 is exactly 55 characters; a later version may append fields after a `-` (the spec's forward rule).
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ALL_ZERO_TRACE = "0".repeat(32);
const ALL_ZERO_SPAN = "0".repeat(16);
/** `tracestate`: at most 32 comma-separated `key=value` members of the spec's characters, 512 characters in all. */
const TRACESTATE_MEMBER =
  /^[a-z0-9][a-z0-9_\-*/@]{0,255}=[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;
const MAX_TRACESTATE = 512;

/** The parts of a valid `traceparent`, or undefined (then the header is ignored, as the spec says). */
export function parseTraceparent(
  value: string | undefined,
): { traceId: string; parentSpanId: string; flags: string } | undefined {
  if (value === undefined || value.length < 55 || value.length > 256) return undefined;
  const m = TRACEPARENT.exec(value);
  if (!m) return undefined;
  const [, version, traceId, parentSpanId, flags, rest] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (traceId === ALL_ZERO_TRACE || parentSpanId === ALL_ZERO_SPAN) return undefined;
  return { traceId, parentSpanId, flags };
}

/** The client's `tracestate` when every member is well formed; undefined otherwise (dropped, never repaired). */
export function validTracestate(value: string | undefined): string | undefined {
  if (value === undefined || value.length === 0 || value.length > MAX_TRACESTATE) return undefined;
  const members = value.split(",");
  if (members.length > 32) return undefined;
  for (const member of members) if (!TRACESTATE_MEMBER.test(member.trim())) return undefined;
  return value;
}

let pool = randomBytes(0);
let poolOffset = 0;

function randomHex(bytes: number): string {
  if (poolOffset + bytes > pool.length) {
    pool = randomBytes(64 * 16);
    poolOffset = 0;
  }
  const hex = pool.toString("hex", poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return hex;
}

/** A new span id: 16 hex digits, never all zero. */
export function newSpanId(): string {
  const id = randomHex(8);
  return id === ALL_ZERO_SPAN ? newSpanId() : id;
}

export function newTraceId(): string {
  const id = randomHex(16);
  return id === ALL_ZERO_TRACE ? newTraceId() : id;
}

/**
 * The request's trace from its headers. With `own` (OpenTelemetry on), the request gets a span id of its own and,
 * without a valid `traceparent`, a new trace. Without it, only a valid client `traceparent` makes a trace (to pass on).
 */
export function requestTrace(headers: Readonly<Record<string, string>>, own: boolean): RequestTrace | undefined {
  const parent = parseTraceparent(headers.traceparent);
  if (!parent && !own) return undefined;
  const tracestate = parent ? validTracestate(headers.tracestate) : undefined;
  return {
    traceId: parent?.traceId ?? newTraceId(),
    flags: parent?.flags ?? "01",
    ...(parent ? { parentSpanId: parent.parentSpanId } : {}),
    ...(own ? { spanId: newSpanId() } : {}),
    ...(tracestate ? { tracestate } : {}),
  };
}

/**
 * The trace headers of an upstream call: our attempt span as the parent when we trace, else the client's
 * `traceparent` unchanged. Only values built here leave: hex digits, and a `tracestate` checked member by member.
 */
export function upstreamTraceHeaders(trace: RequestTrace, attemptSpanId: string | undefined): Record<string, string> {
  const parent = attemptSpanId ?? trace.spanId ?? trace.parentSpanId ?? newSpanId();
  const headers: Record<string, string> = { traceparent: `00-${trace.traceId}-${parent}-${trace.flags}` };
  if (trace.tracestate) headers.tracestate = trace.tracestate;
  return headers;
}
