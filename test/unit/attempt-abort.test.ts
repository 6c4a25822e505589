import { describe, expect, it } from "vitest";
import { AttemptAbort } from "../../shared/http/upstream";

describe("AttemptAbort (an upstream attempt's cancellation)", () => {
  it("aborts once with its first reason and tells its listeners once", () => {
    // Prepare
    const abort = new AttemptAbort();
    const heard: unknown[] = [];
    abort.once("abort", () => heard.push(abort.reason));
    // Act
    abort.abort("timeout");
    abort.abort("client left");
    // Assess
    expect(abort.aborted).toBe(true);
    expect(heard).toEqual(["timeout"]);
  });

  it("gives an AbortSignal that follows it, whether asked for before or after the abort", () => {
    // Prepare
    const early = new AttemptAbort();
    const signal = early.signal;
    const late = new AttemptAbort();
    // Act
    early.abort("first");
    late.abort("second");
    // Assess
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe("first");
    expect(late.signal.aborted).toBe(true);
    expect(late.signal.reason).toBe("second");
    expect(new AttemptAbort().signal.aborted).toBe(false);
  });
});
