import { describe, expect, it } from "vitest";
import {
  BadRequestError,
  UpstreamError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from "../../shared/core/errors";
import type { RetryTiming } from "../../shared/routing/backoff";
import { compileConfig } from "../../shared/routing/compile";
import { executePlan, type RouteOutcome } from "../../shared/routing/executor";
import type { LeafNode } from "../../shared/routing/plan";

/** A `strategy.conditions` entry. */
function branch(query: Record<string, unknown>, target: string): Record<string, unknown> {
  // biome-ignore lint/suspicious/noThenProperty: Portkey's config key
  return { query, then: target };
}

type Step = "ok" | number | "timeout" | "down" | "bad" | { status: number; headers: Record<string, string> };

function upstream(status: number, headers: Record<string, string> = {}): UpstreamError {
  return new UpstreamError(status, { error: { message: "x", type: "t", param: null, code: null } }, { headers });
}

/** Runs a config against scripted targets (by provider name) and records every call and wait. */
async function run(
  raw: unknown,
  script: Record<string, Step[]>,
  opts: { abort?: AbortController; timing?: Partial<RetryTiming>; random?: () => number } = {},
) {
  const calls: string[] = [];
  const waits: number[] = [];
  const controller = opts.abort ?? new AbortController();
  const outcome: RouteOutcome<string> = await executePlan(compileConfig(raw), {
    runLeaf: async (leaf: LeafNode) => {
      const name = leaf.provider as string;
      calls.push(name);
      const step = script[name]?.shift() ?? "ok";
      if (step === "ok") return `answer from ${name}`;
      if (step === "timeout") throw new UpstreamTimeoutError(50);
      if (step === "down") throw new UpstreamUnavailableError("refused");
      if (step === "bad") throw new BadRequestError("unknown provider", { code: "unknown_provider" });
      if (typeof step === "number") throw upstream(step);
      throw upstream(step.status, step.headers);
    },
    route: { metadata: {}, params: {} },
    signal: controller.signal,
    timing: { baseDelayMs: 100, maxDelayMs: 1000, maxTotalWaitMs: 10_000, ...opts.timing },
    random: opts.random ?? (() => 0.5),
    sleep: async (ms) => {
      waits.push(ms);
      return !controller.signal.aborted;
    },
  });
  return { outcome, calls, waits };
}

const fallback = (extra: Record<string, unknown> = {}) => ({
  strategy: { mode: "fallback", ...extra },
  targets: [
    { provider: "a", api_key: "k" },
    { provider: "b", api_key: "k" },
    { provider: "c", api_key: "k" },
  ],
});

describe("plan executor", () => {
  it("falls back on any failure when on_status_codes is not set, and reports the answering option", async () => {
    const { outcome, calls } = await run(fallback(), { a: [503], b: ["down"] });
    expect(calls).toEqual(["a", "b", "c"]);
    expect(outcome).toMatchObject({ ok: true, value: "answer from c", retryCount: 0 });
    expect(outcome.leaf?.path).toBe("config.targets[2]");
  });

  it("falls back on a 4xx too when on_status_codes is not set (Portkey: any non-2xx)", async () => {
    const { outcome, calls } = await run(fallback(), { a: [401] });
    expect(calls).toEqual(["a", "b"]);
    expect(outcome.ok).toBe(true);
  });

  it("stops at a status not listed in strategy.on_status_codes and returns that error", async () => {
    const { outcome, calls } = await run(fallback({ on_status_codes: [429] }), { a: [500] });
    expect(calls).toEqual(["a"]);
    expect(outcome.ok).toBe(false);
    expect((outcome as { error: UpstreamError }).error.statusCode).toBe(500);
  });

  it.each([408, 504])("counts a timeout as %i for strategy.on_status_codes (falls back)", async (status) => {
    const { outcome, calls } = await run(fallback({ on_status_codes: [status] }), { a: ["timeout"] });
    expect(calls).toEqual(["a", "b"]);
    expect(outcome).toMatchObject({ ok: true, value: "answer from b" });
  });

  it.each([408, 504])("counts a timeout as %i for retry.on_status_codes (retries)", async (status) => {
    const raw = { retry: { attempts: 2, on_status_codes: [status] }, provider: "a", api_key: "k" };
    const { outcome, calls } = await run(raw, { a: ["timeout", "timeout"] });
    expect(calls).toEqual(["a", "a", "a"]);
    expect(outcome).toMatchObject({ ok: true, retryCount: 2 });
  });

  it("does not count a timeout as any other status", async () => {
    const { outcome, calls } = await run(fallback({ on_status_codes: [502, 503] }), { a: ["timeout"] });
    expect(calls).toEqual(["a"]);
    expect(outcome).toMatchObject({ ok: false, statuses: [408, 504] });
  });

  it("does not fall back after a gateway-made error (bad config target): the error is returned", async () => {
    const { outcome, calls } = await run(fallback(), { a: ["bad"] });
    expect(calls).toEqual(["a"]);
    expect(outcome).toMatchObject({ ok: false, final: true });
  });

  it("retries a target on retryable statuses with full-jitter backoff, then answers with the retry count", async () => {
    const raw = { retry: { attempts: 3 }, provider: "a", api_key: "k" };
    const { outcome, calls, waits } = await run(raw, { a: [429, 502, "down"] });
    expect(calls).toEqual(["a", "a", "a", "a"]);
    expect(waits).toEqual([50, 100, 200]);
    expect(outcome).toMatchObject({ ok: true, retryCount: 3 });
  });

  it("honours Retry-After seconds and retry-after-ms from the upstream", async () => {
    const raw = { retry: { attempts: 2 }, provider: "a", api_key: "k" };
    const { waits } = await run(raw, {
      a: [
        { status: 429, headers: { "retry-after": "2" } },
        { status: 503, headers: { "retry-after-ms": "250" } },
      ],
    });
    expect(waits).toEqual([2000, 250]);
  });

  it("reports -1 when retries run out, then falls back to the next target", async () => {
    const raw = { ...fallback(), retry: { attempts: 1 } };
    const { outcome, calls } = await run(raw, { a: [500, 500], b: [503, 503] });
    expect(calls).toEqual(["a", "a", "b", "b", "c"]);
    expect(outcome).toMatchObject({ ok: true, retryCount: 0 });
    const failed = await run({ retry: { attempts: 1 }, provider: "a", api_key: "k" }, { a: [500, 500] });
    expect(failed.outcome).toMatchObject({ ok: false, retryCount: -1 });
  });

  it("does not retry statuses outside retry.on_status_codes", async () => {
    const raw = { retry: { attempts: 3, on_status_codes: [429] }, provider: "a", api_key: "k" };
    const { outcome, calls } = await run(raw, { a: [500] });
    expect(calls).toEqual(["a"]);
    expect(outcome).toMatchObject({ ok: false, retryCount: 0 });
  });

  it("gives up retrying when Retry-After exceeds the wait budget (count -1) and moves on", async () => {
    const raw = { ...fallback(), retry: { attempts: 3 } };
    const { calls, waits } = await run(
      raw,
      { a: [{ status: 429, headers: { "retry-after": "60" } }] },
      { timing: { maxTotalWaitMs: 5000 } },
    );
    expect(calls).toEqual(["a", "b"]);
    expect(waits).toEqual([]);
  });

  it("starts no further attempt once the client has gone", async () => {
    const abort = new AbortController();
    const raw = { ...fallback(), retry: { attempts: 3 } };
    const pending = run(raw, { a: [500, 500, 500] }, { abort });
    abort.abort(new Error("client gone"));
    const { outcome, calls } = await pending;
    expect(calls).toEqual(["a"]);
    expect(outcome).toMatchObject({ ok: false, final: true });
  });

  it("never picks a weight-0 target and follows a nested strategy", async () => {
    const raw = {
      strategy: { mode: "loadbalance" },
      targets: [
        { provider: "zero", api_key: "k", weight: 0 },
        {
          strategy: { mode: "fallback" },
          targets: [
            { provider: "a", api_key: "k" },
            { provider: "b", api_key: "k" },
          ],
        },
      ],
    };
    for (const r of [0, 0.3, 0.999]) {
      const { calls, outcome } = await run(raw, { a: [500] }, { random: () => r });
      expect(calls).toEqual(["a", "b"]);
      expect(outcome.leaf?.path).toBe("config.targets[1].targets[1]");
    }
  });

  it("routes conditionally on metadata and params, with a default and a 400 when nothing matches", async () => {
    const raw = (withDefault: boolean) => ({
      strategy: {
        mode: "conditional",
        conditions: [branch({ "metadata.tier": "pro" }, "fast")],
        ...(withDefault ? { default: "cheap" } : {}),
      },
      targets: [
        { name: "cheap", provider: "c", api_key: "k" },
        { name: "fast", provider: "f", api_key: "k" },
      ],
    });
    const plan = compileConfig(raw(true));
    const picked = await executePlan(plan, {
      runLeaf: async (leaf) => leaf.provider as string,
      route: { metadata: { tier: "pro" }, params: {} },
      signal: new AbortController().signal,
      timing: { baseDelayMs: 1, maxDelayMs: 1, maxTotalWaitMs: 1 },
      random: Math.random,
      sleep: async () => true,
    });
    expect(picked).toMatchObject({ ok: true, value: "f" });
    expect((await run(raw(true), {})).calls).toEqual(["c"]);
    const none = await run(raw(false), {});
    expect(none.calls).toEqual([]);
    expect((none.outcome as { error: BadRequestError }).error.code).toBe("no_matching_condition");
  });
});
