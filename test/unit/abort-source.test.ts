import { describe, expect, it } from "vitest";
import { AbortSource } from "../../shared/http/abort-source";

describe("AbortSource (the client's and each attempt's abort, no AbortSignal built)", () => {
  it("aborts once with its first reason and tells its listeners once", () => {
    // Prepare
    const abort = new AbortSource();
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
    const early = new AbortSource();
    const signal = early.signal;
    const late = new AbortSource();
    // Act
    early.abort("first");
    late.abort("second");
    // Assess
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe("first");
    expect(late.signal.aborted).toBe(true);
    expect(late.signal.reason).toBe("second");
    expect(new AbortSource().signal.aborted).toBe(false);
  });

  it("takes abort listeners as an AbortSignal does: once, removable, told of the abort", () => {
    // Prepare
    const abort = new AbortSource();
    const heard: string[] = [];
    const removed = () => heard.push("removed");
    abort.addEventListener("abort", () => heard.push("once"), { once: true });
    abort.addEventListener("abort", removed, { once: true });
    abort.removeEventListener("abort", removed);
    // Act
    abort.abort("gone");
    abort.abort("again");
    // Assess
    expect(heard).toEqual(["once"]);
    expect(abort.listenerCount("abort")).toBe(0);
  });
});
