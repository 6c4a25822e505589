import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { CachedLookup, LOOKUP_POLICIES, type LookupPolicy } from "../../shared/store/cached-lookup";

const POLICY: LookupPolicy = { hitTtlMs: 60_000, missTtlMs: 5_000, maxEntries: 3 };

/** A lookup over a map of `workspace/name` -> value, counting reads; `hold()` delays answers (read already done). */
function harness(policy: LookupPolicy = POLICY) {
  const clock = { now: 1_800_000_000_000 };
  const data = new Map<string, string>([
    ["ws-a/alpha", "A1"],
    ["ws-a/beta", "B1"],
    ["ws-b/alpha", "other workspace"],
  ]);
  const reads: string[] = [];
  let release: (() => void) | undefined;
  let gate: Promise<void> | undefined;
  const lookup = new CachedLookup<string, string>({
    ...policy,
    now: () => clock.now,
    load: async (workspaceId, name) => {
      reads.push(`${workspaceId}/${name}`);
      const value = data.get(`${workspaceId}/${name}`);
      if (gate !== undefined) await gate;
      return value;
    },
  });
  return {
    clock,
    data,
    reads,
    lookup,
    hold(): void {
      gate = new Promise((resolve) => {
        release = resolve;
      });
    },
    release(): void {
      gate = undefined;
      release?.();
    },
  };
}

describe("CachedLookup", () => {
  it("reads once and serves hits from memory until the hit TTL has passed", async () => {
    // Prepare
    const h = harness();
    await h.lookup.get("ws-a", "alpha");
    h.data.set("ws-a/alpha", "A2");
    // Act
    h.clock.now += 59_999;
    const warm = await h.lookup.get("ws-a", "alpha");
    h.clock.now += 1;
    const refreshed = await h.lookup.get("ws-a", "alpha");
    // Assess
    expect([warm, refreshed]).toEqual(["A1", "A2"]);
    expect(h.reads).toEqual(["ws-a/alpha", "ws-a/alpha"]);
  });

  it("remembers a miss for the shorter miss TTL, then finds an object created meanwhile", async () => {
    // Prepare
    const h = harness();
    expect(await h.lookup.get("ws-a", "gamma")).toBeUndefined();
    h.data.set("ws-a/gamma", "G1");
    // Act
    h.clock.now += 4_999;
    const stillMissing = await h.lookup.get("ws-a", "gamma");
    h.clock.now += 1;
    const found = await h.lookup.get("ws-a", "gamma");
    // Assess
    expect(stillMissing).toBeUndefined();
    expect(found).toBe("G1");
    expect(h.reads).toEqual(["ws-a/gamma", "ws-a/gamma"]);
  });

  it("treats a value flagged by isMiss as a miss (short TTL) but still returns it", async () => {
    // Prepare
    let now = 0;
    let reads = 0;
    const lookup = new CachedLookup<string, { status: string }>({
      ...POLICY,
      now: () => now,
      isMiss: (value) => value.status !== "active",
      load: async () => {
        reads++;
        return { status: "disabled" };
      },
    });
    // Act
    const first = await lookup.get("ws-a", "key");
    now = 4_999;
    await lookup.get("ws-a", "key");
    now = 5_000;
    await lookup.get("ws-a", "key");
    // Assess
    expect(first).toEqual({ status: "disabled" });
    expect(reads).toBe(2);
  });

  it("coalesces concurrent loads of one key into one read, and keeps keys apart", async () => {
    // Prepare
    const h = harness();
    h.hold();
    // Act
    const pending = [...Array.from({ length: 10 }, () => h.lookup.get("ws-a", "alpha")), h.lookup.get("ws-a", "beta")];
    h.release();
    const values = await Promise.all(pending);
    // Assess
    expect(new Set(values.slice(0, 10))).toEqual(new Set(["A1"]));
    expect(values[10]).toBe("B1");
    expect(h.reads).toEqual(["ws-a/alpha", "ws-a/beta"]);
  });

  it("scopes keys by workspace: the same name in two workspaces is two entries", async () => {
    // Prepare
    const h = harness();
    // Act
    const a = await h.lookup.get("ws-a", "alpha");
    const b = await h.lookup.get("ws-b", "alpha");
    h.lookup.forget("ws-a", "alpha");
    await h.lookup.get("ws-b", "alpha");
    // Assess
    expect([a, b]).toEqual(["A1", "other workspace"]);
    expect(h.reads).toEqual(["ws-a/alpha", "ws-b/alpha"]);
  });

  it("does not cache a failed load: every waiter sees the error and the next call reads again", async () => {
    // Prepare
    let calls = 0;
    const lookup = new CachedLookup<string, string>({
      ...POLICY,
      load: async () => {
        calls++;
        if (calls === 1) throw new Error("throttled");
        return "ok";
      },
    });
    // Act
    const failed = await Promise.allSettled([lookup.get("ws-a", "x"), lookup.get("ws-a", "x")]);
    const retried = await lookup.get("ws-a", "x");
    // Assess
    expect(failed.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(retried).toBe("ok");
    expect(calls).toBe(2);
  });

  it("evicts the oldest entries beyond its size bound", async () => {
    // Prepare
    const h = harness({ ...POLICY, maxEntries: 2 });
    // Act
    await h.lookup.get("ws-a", "alpha");
    await h.lookup.get("ws-a", "beta");
    await h.lookup.get("ws-b", "alpha");
    await h.lookup.get("ws-a", "beta");
    await h.lookup.get("ws-a", "alpha");
    // Assess: alpha was evicted by the third entry, beta stayed
    expect(h.reads).toEqual(["ws-a/alpha", "ws-a/beta", "ws-b/alpha", "ws-a/alpha"]);
  });

  it("forgets one entry at once (what the admin path calls after a change)", async () => {
    // Prepare
    const h = harness();
    await h.lookup.get("ws-a", "alpha");
    await h.lookup.get("ws-a", "beta");
    h.data.set("ws-a/alpha", "A2");
    // Act
    h.lookup.forget("ws-a", "alpha");
    const alpha = await h.lookup.get("ws-a", "alpha");
    const beta = await h.lookup.get("ws-a", "beta");
    // Assess
    expect([alpha, beta]).toEqual(["A2", "B1"]);
    expect(h.reads).toEqual(["ws-a/alpha", "ws-a/beta", "ws-a/alpha"]);
  });

  it("forgets a load that was in flight, so a change made meanwhile is not cached as current", async () => {
    // Prepare
    const h = harness();
    h.hold();
    const stale = h.lookup.get("ws-a", "alpha");
    // Act: the admin path writes and forgets while the old read is still out
    h.data.set("ws-a/alpha", "A2");
    h.lookup.forget("ws-a", "alpha");
    h.release();
    await stale;
    const after = await h.lookup.get("ws-a", "alpha");
    // Assess
    expect(after).toBe("A2");
  });

  it("forgets every entry of a workspace whose key matches", async () => {
    // Prepare
    const h = harness();
    for (const name of ["alpha", "beta"]) await h.lookup.get("ws-a", name);
    await h.lookup.get("ws-b", "alpha");
    // Act
    h.lookup.forgetWhere("ws-a", (key) => key.startsWith("al"));
    for (const name of ["alpha", "beta"]) await h.lookup.get("ws-a", name);
    await h.lookup.get("ws-b", "alpha");
    // Assess
    expect(h.reads).toEqual(["ws-a/alpha", "ws-a/beta", "ws-b/alpha", "ws-a/alpha"]);
  });

  it("declares every policy with a miss TTL shorter than its hit TTL, as docs/control-plane.md states", async () => {
    // Prepare
    const doc = await readFile(new URL("../../docs/control-plane.md", import.meta.url), "utf8");
    const seconds = (ms: number) => (ms % 3_600_000 === 0 ? `${ms / 3_600_000} h` : `${ms / 1000} s`);
    for (const [name, policy] of Object.entries(LOOKUP_POLICIES)) {
      // Act
      const row = doc.split("\n").find((line) => line.startsWith("|") && line.includes(`(\`${name}\`)`));
      const ttl = row?.split("|")[2]?.trim();
      // Assess
      expect(policy.missTtlMs, name).toBeLessThan(policy.hitTtlMs);
      expect(ttl, name).toMatch(new RegExp(`^${seconds(policy.hitTtlMs)}\\b.*; misses ${seconds(policy.missTtlMs)}$`));
    }
  });
});
