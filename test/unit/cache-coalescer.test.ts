import { describe, expect, it } from "vitest";
import { Coalescer } from "../../shared/cache/coalescer";

function deferred<T>() {
  let resolve: (v: T) => void = () => undefined;
  let reject: (e: unknown) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const identity = (v: string) => v;

describe("coalescer", () => {
  it("makes one upstream call for concurrent identical misses; followers get the leader's answer", async () => {
    // Prepare
    const coalescer = new Coalescer<string>();
    const upstream = deferred<string>();
    let calls = 0;
    const call = () => {
      calls += 1;
      return upstream.promise;
    };
    // Act
    const all = Promise.all(Array.from({ length: 10 }, () => coalescer.run("k", call, identity, identity)));
    upstream.resolve("answer");
    const results = await all;
    // Assess
    expect(calls).toBe(1);
    expect(results.map((r) => r.value)).toEqual(Array(10).fill("answer"));
    expect(results.filter((r) => r.role === "leader")).toHaveLength(1);
    expect(coalescer.size).toBe(0);
  });

  it("when the leader fails, followers make their own calls instead of inheriting its error", async () => {
    // Prepare
    const coalescer = new Coalescer<string>();
    const leaderCall = deferred<string>();
    const leader = coalescer.run("k", () => leaderCall.promise, identity, identity);
    const follower = coalescer.run("k", async () => "own answer", identity, identity);
    // Act
    leaderCall.reject(new Error("upstream 503"));
    // Assess
    await expect(leader).rejects.toThrow("upstream 503");
    await expect(follower).resolves.toEqual({ value: "own answer", role: "fallthrough" });
  });

  it("an unshareable leader answer (e.g. an error response) also sends followers to their own call", async () => {
    // Prepare
    const coalescer = new Coalescer<string>();
    const share = (v: string) => (v.startsWith("error") ? undefined : v);
    const leaderCall = deferred<string>();
    const leader = coalescer.run("k", () => leaderCall.promise, share, identity);
    const follower = coalescer.run("k", async () => "fresh", share, identity);
    // Act
    leaderCall.resolve("error 429");
    // Assess
    await expect(leader).resolves.toMatchObject({ role: "leader", value: "error 429" });
    await expect(follower).resolves.toMatchObject({ role: "fallthrough", value: "fresh" });
  });

  it("a follower whose client went away stops waiting; a streaming leader settles later with lead()", async () => {
    // Prepare
    const coalescer = new Coalescer<string>();
    const handle = coalescer.lead("s");
    const abort = new AbortController();
    const gone = coalescer.follow("s", abort.signal);
    const waiting = coalescer.follow("s");
    // Act
    abort.abort(new Error("client closed"));
    handle?.settle("streamed answer");
    // Assess
    await expect(gone).rejects.toThrow("client closed");
    await expect(waiting).resolves.toBe("streamed answer");
    expect(coalescer.lead("s")).toBeDefined();
  });
});
