import { describe, expect, it } from "vitest";
import { CacheConfigSchema } from "../../shared/cache/cache-config-schema";
import type { CacheKeyInput } from "../../shared/cache/cache-key";
import type { CacheStatus } from "../../shared/cache/cache-types";
import { Coalescer } from "../../shared/cache/coalescer";
import { MemoryCacheStore } from "../../shared/cache/memory-cache-store";
import { isCacheHit, isCacheMiss, ResponseCache } from "../../shared/cache/response-cache";
import { replayAsSse } from "../../shared/cache/sse-replay";
import { BudgetExceededError } from "../../shared/limits/budget-errors";
import type { LimitedOwner } from "../../shared/limits/limit-types";
import { memoryLimits } from "../support/memory-limits";

/**
 * The per-request order the gateway core follows, as executable documentation: rate limits -> cache lookup ->
 * (miss) budget reservation -> coalesced upstream call -> settle -> cache write. A fake upstream counts calls.
 */
function gateway() {
  const now = () => Date.UTC(2026, 10, 20, 10);
  const { ledger, limits } = memoryLimits(now, () => ({ inputPerMTok: 1, outputPerMTok: 2 }));
  const cache = new ResponseCache({ store: new MemoryCacheStore({ maxEntries: 100, maxBytes: 1e7, now }), now });
  const coalescer = new Coalescer<string>();
  let upstreamCalls = 0;

  async function upstream(): Promise<{ status: number; body: string }> {
    upstreamCalls += 1;
    await new Promise((r) => setTimeout(r, 5));
    return {
      status: 200,
      body: JSON.stringify({
        id: "chatcmpl-x",
        object: "chat.completion",
        created: 1,
        model: "m",
        choices: [{ index: 0, message: { role: "assistant", content: "Paris" }, finish_reason: "stop" }],
        usage: { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 },
      }),
    };
  }

  async function handle(owner: LimitedOwner, requestId: string, body: Record<string, unknown>) {
    const gate = await limits.checkRateLimits([owner]);
    const key: CacheKeyInput = {
      workspaceId: owner.workspaceId,
      endpoint: "chat",
      provider: "openai",
      model: "m",
      body,
    };
    const lookup = await cache.lookup({
      key,
      config: CacheConfigSchema.parse({ mode: "simple" }),
      forceRefresh: false,
    });
    let status: CacheStatus = lookup.status;
    let answer: string;
    if (isCacheHit(lookup)) {
      answer = lookup.entry.body;
    } else {
      const admission = await limits.reserve(gate, {
        requestId,
        endpoint: "chat",
        body,
        candidates: [{ provider: "openai", model: "m" }],
      });
      const run = await coalescer.run(
        lookup.status === "DISABLED" ? requestId : lookup.hash,
        upstream,
        (r) => (r.status === 200 ? r.body : undefined),
        (shared) => ({ status: 200, body: shared }),
      );
      if (run.role === "follower") {
        await admission.release();
        status = "HIT";
      } else {
        const usage = JSON.parse(run.value.body).usage;
        await admission.settle([{ provider: "openai", model: "m", usage }]);
        if (isCacheMiss(lookup))
          await cache.store(lookup, key, { body: run.value.body, provider: "openai", model: "m" });
      }
      answer = run.value.body;
    }
    const sse = body.stream === true ? replayAsSse(answer, { includeUsage: false, chunkChars: 16 }) : undefined;
    return { status, answer, sse, headers: gate.headers };
  }

  return { handle, ledger, calls: () => upstreamCalls };
}

const owner: LimitedOwner = {
  workspaceId: "ws1",
  kind: "api_key",
  id: "k1",
  usageLimits: [{ type: "cost", credit_limit: 0.01, periodic_reset: "monthly" }],
  rateLimits: [{ type: "requests", unit: "rpm", value: 1000 }],
};
const ask = (q: string, stream = false) => ({
  model: "m",
  messages: [{ role: "user", content: q }],
  max_tokens: 50,
  stream,
});

describe("the per-request order: rate limit, cache, budget, coalesced upstream, settle, cache write", () => {
  it("coalesces 20 identical concurrent misses into one upstream call and serves repeats (and streams) from cache", async () => {
    // Prepare
    const gw = gateway();
    // Act
    const burst = await Promise.all(
      Array.from({ length: 20 }, (_, i) => gw.handle(owner, `burst-${i}`, ask("capital?"))),
    );
    const repeat = await gw.handle(owner, "r-1", ask("capital?"));
    const streamed = await gw.handle(owner, "r-2", ask("capital?", true));
    // Assess
    expect(gw.calls()).toBe(1);
    expect(burst.filter((r) => r.status === "MISS")).toHaveLength(1);
    expect(repeat.status).toBe("HIT");
    expect(streamed.sse?.at(-1)).toBe("data: [DONE]\n\n");
    expect(repeat.headers["x-ratelimit-limit-requests"]).toBe("1000");
    const spent = await gw.ledger.current({ ...owner, limit: owner.usageLimits![0]! });
    expect(spent).toMatchObject({ spent: 0.0002, reserved: 0 }); // one call: 100 x $1 + 50 x $2 per MTok
  });

  it("refuses with 412 once the budget is spent, before any upstream call", async () => {
    // Prepare
    const gw = gateway();
    for (let i = 0; i < 50; i++) await gw.handle(owner, `q-${i}`, ask(`question ${i}`));
    const callsBefore = gw.calls();
    // Act
    const refusal = gw.handle(owner, "q-last", ask("one more"));
    // Assess
    await expect(refusal).rejects.toBeInstanceOf(BudgetExceededError);
    expect(gw.calls()).toBe(callsBefore);
  });
});
