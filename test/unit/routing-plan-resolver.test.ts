import { describe, expect, it } from "vitest";
import { BadRequestError, GatewayError, NotFoundError } from "../../shared/core/errors";
import type { CompiledPlan } from "../../shared/routing/plan";
import { LruCache } from "../../shared/routing/plan-cache";
import { type ConfigSource, PlanResolver } from "../../shared/routing/plan-resolver";

const CONFIG = {
  strategy: { mode: "fallback" },
  targets: [
    { provider: "openai", api_key: "a" },
    { provider: "groq", api_key: "b" },
  ],
};

function fakeSource(store: Record<string, { version: string; raw: unknown }>) {
  const calls: string[] = [];
  const source: ConfigSource = {
    get: async (id) => {
      calls.push(id);
      const found = store[id];
      if (!found) throw new NotFoundError(`Config ${id} not found.`, { code: "config_not_found" });
      return found;
    },
  };
  return { source, calls };
}

async function rejection(p: Promise<unknown>): Promise<GatewayError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof GatewayError)) throw new Error(`expected a GatewayError, got ${String(err)}`);
  return err;
}

describe("plan resolver", () => {
  it("keeps saved configs of different workspaces apart, even with the same id and version", async () => {
    // Prepare: two workspaces each have a config "pc-same" at version 1, with different targets
    const byWorkspace: Record<string, unknown> = {
      "ws-a": { provider: "openai", api_key: "a" },
      "ws-b": { provider: "groq", api_key: "b" },
    };
    const source: ConfigSource = { get: async (_id, ws) => ({ version: "1", raw: byWorkspace[ws] }) };
    const resolver = new PlanResolver({ capacity: 4, configSource: source });

    // Act
    const a = await resolver.resolve("pc-same", "ws-a");
    const b = await resolver.resolve("pc-same", "ws-b");

    // Assess
    expect(a.leaves[0]?.provider).toBe("openai");
    expect(b.leaves[0]?.provider).toBe("groq");
  });

  it("compiles a repeated inline config once (same header -> same plan object)", async () => {
    // Prepare
    const resolver = new PlanResolver({ capacity: 4 });
    const header = JSON.stringify(CONFIG);

    // Act
    const first = await resolver.resolve(header, "ws-1");
    const second = resolver.cachedInline(header);

    // Assess
    expect(second).toBe(first);
    expect(await resolver.resolve(header, "ws-1")).toBe(first);
    expect(first.leaves.map((l) => l.provider)).toEqual(["openai", "groq"]);
  });

  it("accepts a base64-encoded JSON config", async () => {
    const resolver = new PlanResolver({ capacity: 4 });
    const plan = await resolver.resolve(Buffer.from(JSON.stringify(CONFIG)).toString("base64"), "ws-1");
    expect(plan.leaves).toHaveLength(2);
  });

  it("loads saved configs through the ConfigSource and caches plans by id + version", async () => {
    // Prepare
    const store: Record<string, { version: string; raw: unknown }> = { "pc-abc": { version: "1", raw: CONFIG } };
    const { source, calls } = fakeSource(store);
    const resolver = new PlanResolver({ capacity: 4, configSource: source });

    // Act
    const v1 = await resolver.resolve("pc-abc", "ws-1");
    const v1again = await resolver.resolve("pc-abc", "ws-1");
    store["pc-abc"] = { version: "2", raw: { provider: "openai", api_key: "x" } };
    const v2 = await resolver.resolve("pc-abc", "ws-1");

    // Assess
    expect(calls).toEqual(["pc-abc", "pc-abc", "pc-abc"]);
    expect(v1again).toBe(v1);
    expect(v2).not.toBe(v1);
    expect(v2.leaves).toHaveLength(1);
    expect((await rejection(resolver.resolve("pc-missing", "ws-1"))).statusCode).toBe(404);
  });

  it("refuses saved config ids when no ConfigSource is wired, and junk headers as invalid_config", async () => {
    const resolver = new PlanResolver({ capacity: 4 });
    expect((await rejection(resolver.resolve("pc-abc", "ws-1"))).code).toBe("config_source_unavailable");
    expect((await rejection(resolver.resolve("{not json", "ws-1"))).code).toBe("invalid_config");
    expect((await rejection(resolver.resolve("a b c", "ws-1"))).code).toBe("invalid_config");
  });

  it("runs the plan check once per compiled plan and does not cache a rejected plan", async () => {
    let checks = 0;
    const resolver = new PlanResolver({
      capacity: 4,
      checkPlan: (plan: CompiledPlan) => {
        checks += 1;
        if (plan.customHosts.includes("http://169.254.169.254")) throw new BadRequestError("forbidden host");
      },
    });
    const ok = JSON.stringify(CONFIG);
    const bad = JSON.stringify({ provider: "openai", custom_host: "http://169.254.169.254" });
    await resolver.resolve(ok, "ws-1");
    await resolver.resolve(ok, "ws-1");
    await rejection(resolver.resolve(bad, "ws-1"));
    await rejection(resolver.resolve(bad, "ws-1"));
    expect(checks).toBe(3);
  });
});

describe("LRU cache", () => {
  it("evicts the least recently used entry beyond its capacity", () => {
    const cache = new LruCache<number>(2);
    cache.set("a", 1);
    cache.set("b", 2);
    cache.get("a");
    cache.set("c", 3);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBe(1);
    expect(cache.get("c")).toBe(3);
    expect(cache.size).toBe(2);
  });
});
