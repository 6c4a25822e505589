import { describe, expect, it } from "vitest";
import {
  parseTraceparent,
  requestTrace,
  upstreamTraceHeaders,
  validTracestate,
} from "../../shared/logging/trace-context";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";

describe("W3C trace context", () => {
  it("parses a version 00 traceparent and a later version's leading fields", () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01`)).toEqual({ traceId: TRACE, parentSpanId: SPAN, flags: "01" });
    expect(parseTraceparent(`01-${TRACE}-${SPAN}-00-future`)?.traceId).toBe(TRACE);
  });

  it.each([
    ["upper-case hex", `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ["all-zero trace id", `00-${"0".repeat(32)}-${SPAN}-01`],
    ["all-zero span id", `00-${TRACE}-${"0".repeat(16)}-01`],
    ["version ff", `ff-${TRACE}-${SPAN}-01`],
    ["version 00 with extra fields", `00-${TRACE}-${SPAN}-01-x`],
    ["a header smuggled after it", `00-${TRACE}-${SPAN}-01\r\nx-evil: 1`],
    ["too short", `00-${TRACE}-${SPAN}`],
  ])("ignores a traceparent with %s", (_why, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it("keeps a well-formed tracestate and drops anything else whole", () => {
    expect(validTracestate("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")).toBe("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
    expect(validTracestate("a=1\r\nx-evil: 1")).toBeUndefined();
    expect(validTracestate("novalue")).toBeUndefined();
    expect(validTracestate(`a=${"x".repeat(600)}`)).toBeUndefined();
  });

  it("passes the client's traceparent on unchanged when we do not trace, with our span as parent when we do", () => {
    const headers = { traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: "k=v" };
    const passed = requestTrace(headers, false);
    expect(passed && upstreamTraceHeaders(passed, undefined)).toEqual(headers);
    const own = requestTrace(headers, true);
    expect(own?.parentSpanId).toBe(SPAN);
    expect(own && upstreamTraceHeaders(own, "1111111111111111")).toEqual({
      traceparent: `00-${TRACE}-1111111111111111-01`,
      tracestate: "k=v",
    });
    expect(requestTrace({}, false)).toBeUndefined();
    expect(requestTrace({}, true)?.traceId).toMatch(/^[0-9a-f]{32}$/);
  });
});
