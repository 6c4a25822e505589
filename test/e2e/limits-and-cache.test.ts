import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { useGatewayWithUpstream } from "../support/local-gateway";

const PROVIDER_KEY = "sk-limits-provider-key";

describe("budgets, rate limits and the response cache through the local runtime", () => {
  const env = useGatewayWithUpstream({ providerKey: PROVIDER_KEY, name: "openai cached" });

  function chat(body: Record<string, unknown>, headers: Record<string, string> = {}, apiKey = env.gateway.apiKey) {
    return fetch(`${env.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-portkey-api-key": apiKey, ...headers },
      body: JSON.stringify({ model: "gpt-4o-mini", ...body }),
    });
  }
  /** A virtual key for the fake with its own budget. */
  function budgetedKey(name: string, usageLimits: Record<string, unknown>): Promise<string> {
    return env.gateway.createVirtualKey({
      name,
      key: PROVIDER_KEY,
      custom_host: env.fake.baseUrl,
      usage_limits: usageLimits,
    });
  }
  const cached = () => JSON.stringify({ virtual_key: env.slug, cache: { mode: "simple", max_age: 60 } });

  describe("simple cache", () => {
    it("answers a repeated request from the cache without calling the upstream", async () => {
      const messages = [{ role: "user", content: "cache me please" }];
      const first = await chat({ messages }, { "x-portkey-config": cached() });
      const second = await chat({ messages }, { "x-portkey-config": cached() });
      expect(first.headers.get("x-portkey-cache-status")).toBe("MISS");
      expect(second.headers.get("x-portkey-cache-status")).toBe("HIT");
      expect(await second.json()).toEqual(await first.json());
      expect(env.fake.requests).toHaveLength(1);
    });

    it("serves a cached answer to a streaming request as a proper SSE stream", async () => {
      const messages = [{ role: "user", content: "stream from cache" }];
      await chat({ messages }, { "x-portkey-config": cached() });
      const client = new OpenAI({
        apiKey: env.gateway.apiKey,
        baseURL: `${env.gateway.url}/v1`,
        maxRetries: 0,
        defaultHeaders: { "x-portkey-config": cached() },
      });
      const { data: stream, response } = await client.chat.completions
        .create({ model: "gpt-4o-mini", messages: messages as OpenAI.ChatCompletionMessageParam[], stream: true })
        .withResponse();
      let text = "";
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
      expect(response.headers.get("x-portkey-cache-status")).toBe("HIT");
      expect(text).toBe("You said: stream from cache");
      expect(env.fake.requests).toHaveLength(1);
    });

    it("keys on every answer-changing parameter, the namespace, and honours force-refresh", async () => {
      const messages = [{ role: "user", content: "key sensitivity" }];
      const h = { "x-portkey-config": cached() };
      await chat({ messages, temperature: 0 }, h);
      const otherTemperature = await chat({ messages, temperature: 1 }, h);
      const otherNamespace = await chat({ messages, temperature: 0 }, { ...h, "x-portkey-cache-namespace": "team-x" });
      const refreshed = await chat({ messages, temperature: 0 }, { ...h, "x-portkey-cache-force-refresh": "true" });
      const hit = await chat({ messages, temperature: 0, user: "someone-else" }, h);
      expect(otherTemperature.headers.get("x-portkey-cache-status")).toBe("MISS");
      expect(otherNamespace.headers.get("x-portkey-cache-status")).toBe("MISS");
      expect(refreshed.headers.get("x-portkey-cache-status")).toBe("REFRESH");
      expect(hit.headers.get("x-portkey-cache-status")).toBe("HIT");
      expect(env.fake.requests).toHaveLength(4);
    });

    it("coalesces concurrent identical misses into one upstream call", async () => {
      env.fake.enqueueFaults({ kind: "slow", delayMs: 300 });
      const messages = [{ role: "user", content: "everyone at once" }];
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => chat({ messages }, { "x-portkey-config": cached() })),
      );
      expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
      expect(env.fake.requests).toHaveLength(1);
    });

    it("says DISABLED when no cache is configured", async () => {
      const res = await chat({ model: `@${env.slug}/gpt-4o-mini`, messages: [{ role: "user", content: "x" }] });
      expect(res.headers.get("x-portkey-cache-status")).toBe("DISABLED");
    });
  });

  it("rate-limits an API key: 429 with Retry-After and OpenAI's rate-limit headers, before any upstream call", async () => {
    const key = await env.gateway.createKey({
      name: "three a minute",
      scopes: ["completions"],
      rate_limits: [{ type: "requests", unit: "rpm", value: 3 }],
    });
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 4; i++) {
      last = await chat({ model: `@${env.slug}/gpt-4o-mini`, messages: [{ role: "user", content: `n${i}` }] }, {}, key);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(Number(last?.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(last?.headers.get("x-ratelimit-limit-requests")).toBe("3");
    expect(last?.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    expect(((await last?.json()) as { error?: { type: string } } | undefined)?.error?.type).toBe("rate_limit_error");
    expect(env.fake.requests).toHaveLength(3);
  });

  it("holds a budget under 200 concurrent requests, and the recorded spend reconciles with the logs", async () => {
    // Prepare: a virtual key with a $0.0006 budget; each call costs ~2 micro-dollars but reserves ~30
    const budgetSlug = await budgetedKey("budgeted", { type: "cost", credit_limit: 0.0006, periodic_reset: "monthly" });

    // Act
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        chat({ model: `@${budgetSlug}/gpt-4o-mini`, max_tokens: 50, messages: [{ role: "user", content: `hi${i}` }] }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as { error?: { code: string } }[];

    // Assess: only successes and clean budget refusals, never an error of the gateway itself
    const ok = statuses.filter((s) => s === 200).length;
    const refused = bodies.filter((b) => b.error?.code === "budget_exceeded").length;
    expect(ok + refused).toBe(200);
    expect(ok).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    expect(env.fake.requests).toHaveLength(ok);

    // the ledger (after every settlement) against the per-request costs in the logs
    let usage: { spent: number; reserved: number; limit: number } | undefined;
    for (let i = 0; i < 50; i++) {
      const res = await env.gateway.admin("GET", `/v1/virtual-keys/${budgetSlug}/usage`);
      usage = (res.json.data as (typeof usage)[])[0];
      if (usage?.reserved === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(usage?.reserved).toBe(0);
    expect(usage?.spent).toBeLessThanOrEqual(0.0006);
    await env.gateway.logSink.flush();
    await env.gateway.analyticsEngine.refresh();
    const logs = (await (
      await fetch(`${env.gateway.url}/v1/logs?limit=500&virtual_key=${budgetSlug}`, {
        headers: { "x-portkey-api-key": env.gateway.apiKey },
      })
    ).json()) as { data: { status: number; cost_usd: number; virtual_key: string }[] };
    const mine = logs.data.filter((r) => r.virtual_key === budgetSlug);
    expect(mine).toHaveLength(200);
    const loggedSpend = mine.filter((r) => r.status === 200).reduce((sum, r) => sum + Number(r.cost_usd), 0);
    expect(Math.abs((usage?.spent ?? 0) - loggedSpend)).toBeLessThan(0.01);
    // each call is charged its exact cost rounded up to a whole micro-dollar, once
    expect(usage?.spent).toBeCloseTo(ok * 2e-6, 9);
  });

  it("does not double-count a request that needed a retry", async () => {
    // Prepare: a budgeted virtual key whose upstream fails once with 503 before answering
    const retrySlug = await budgetedKey("retried", { type: "cost", credit_limit: 1, periodic_reset: "none" });
    env.fake.enqueueFaults({ kind: "status", status: 503 });

    // Act
    const res = await chat(
      { messages: [{ role: "user", content: "hi" }], max_tokens: 50 },
      { "x-portkey-config": JSON.stringify({ virtual_key: retrySlug, retry: { attempts: 2 } }) },
    );

    // Assess: two upstream calls, one answer, charged once (1 prompt + 3 completion tokens of gpt-4o-mini)
    expect(res.status).toBe(200);
    expect(res.headers.get("x-portkey-retry-attempt-count")).toBe("1");
    expect(env.fake.requests).toHaveLength(2);
    let usage: { spent: number; reserved: number } | undefined;
    for (let i = 0; i < 50 && usage?.reserved !== 0; i++) {
      if (i) await new Promise((r) => setTimeout(r, 20));
      usage = (
        (await env.gateway.admin("GET", `/v1/virtual-keys/${retrySlug}/usage`)).json.data as (typeof usage)[]
      )[0];
    }
    expect(usage?.reserved).toBe(0);
    expect(usage?.spent).toBeCloseTo(2e-6, 9);
  });

  it("enforces a workspace budget across all of the workspace's keys", async () => {
    // Prepare: a workspace with a 60-token monthly budget, two keys, and a virtual key
    const ws = await env.gateway.admin("POST", "/v1/admin/workspaces", {
      name: "tight budget",
      usage_limits: { type: "tokens", credit_limit: 60, periodic_reset: "monthly" },
    });
    const workspaceId = String(ws.json.id);
    expect(ws.json.usage_limits).toMatchObject({ type: "tokens", credit_limit: 60 });
    const keys = await Promise.all(
      ["one", "two"].map((name) => env.gateway.createKey({ name, workspace_id: workspaceId, scopes: ["completions"] })),
    );
    const vkSlug = await env.gateway.createVirtualKey({
      name: "ws budget vk",
      key: PROVIDER_KEY,
      custom_host: env.fake.baseUrl,
      workspace_id: workspaceId,
    });
    const model = `@${vkSlug}/gpt-4o-mini`;

    // Act: alternate the two keys until the workspace budget refuses
    const statuses: number[] = [];
    for (let i = 0; i < 30 && !statuses.includes(412); i++) {
      const res = await chat(
        { model, max_tokens: 5, messages: [{ role: "user", content: "hi" }] },
        {},
        keys[i % 2] as string,
      );
      statuses.push(res.status);
    }

    // Assess: both keys drew on one budget, which ended in a clean 412; the suite's own workspace is unaffected
    expect(statuses.at(-1)).toBe(412);
    expect(statuses.slice(0, -1).every((s) => s === 200)).toBe(true);
    expect(statuses.length).toBeGreaterThan(2);
    const usage = (await env.gateway.admin("GET", `/v1/admin/workspaces/${workspaceId}/usage`)).json.data as {
      spent: number;
      limit: number;
    }[];
    expect(usage[0]?.limit).toBe(60);
    expect(usage[0]?.spent).toBeGreaterThan(0);
    expect(usage[0]?.spent).toBeLessThanOrEqual(60);
    const unaffected = await chat({ model: `@${env.slug}/gpt-4o-mini`, messages: [{ role: "user", content: "hi" }] });
    expect(unaffected.status).toBe(200);
  });
});
