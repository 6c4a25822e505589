import { Portkey } from "portkey-ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closedPortUrl } from "../fakes/fake-server";
import { type OpenAIFake, startOpenAIFake } from "../fakes/openai-fake";
import { startTestGateway, type TestGateway } from "../support/local-gateway";
import { type ExpectedRequest, runMixedWorkload } from "./mixed-workload";

/**
 * Issue 6 "Done when": after a mixed workload every request appears once in log search with the right status,
 * tokens, cost, cache status, attempts and stream flag, and the analytics endpoints (through the unmodified
 * portkey-ai SDK) return the numbers computed independently from the workload.
 */
const PROVIDER_KEY = "sk-mixed-workload-provider-key";

interface LogRow {
  id: string;
  trace_id: string;
  status: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cost_usd: number | null;
  cache_status: string | null;
  stream: boolean;
  user: string | null;
  metadata: Record<string, string>;
  model_served: string | null;
  model_requested: string | null;
}

interface Graph<P = Record<string, number | null>> {
  summary: Record<string, number | null>;
  data_points: P[];
}

const sum = (rows: readonly ExpectedRequest[], pick: (r: ExpectedRequest) => number) =>
  rows.reduce((a, r) => a + pick(r), 0);
const costOf = (rows: readonly ExpectedRequest[]) => sum(rows, (r) => r.costUsd ?? 0);

describe("a mixed workload is logged once per request and adds up in analytics", () => {
  let fake: OpenAIFake;
  let failing: OpenAIFake;
  let gateway: TestGateway;
  let portkey: Portkey;
  let expected: ExpectedRequest[];
  let rows: LogRow[];
  let range: { time_of_generation_min: string; time_of_generation_max: string };
  let otherKey: string;
  const finished: string[] = [];

  async function getJson<T>(path: string, apiKey = gateway.apiKey): Promise<{ status: number; body: T }> {
    const res = await fetch(`${gateway.url}${path}`, { headers: { "x-portkey-api-key": apiKey } });
    return { status: res.status, body: (await res.json()) as T };
  }
  async function makeQueryable(): Promise<void> {
    await gateway.logSink.flush();
    await gateway.analyticsEngine.refresh();
  }
  const byLabel = (label: string) => expected.find((e) => e.label === label) as ExpectedRequest;
  const rowOf = (e: ExpectedRequest) => rows.find((r) => r.trace_id === e.traceId) as LogRow;

  beforeAll(async () => {
    fake = await startOpenAIFake({ apiKey: PROVIDER_KEY });
    failing = await startOpenAIFake();
    failing.setAlwaysFault({ kind: "status", status: 503 });
    gateway = await startTestGateway({ observer: { finish: (s) => finished.push(s.traceId) } });
    const slug = await gateway.createVirtualKey({ name: "mixed openai", key: PROVIDER_KEY, custom_host: fake.baseUrl });
    // A second workspace with a request of its own, inside the same time window.
    otherKey = await gateway.createKey({
      name: "other team",
      workspace_id: await gateway.createWorkspace({ name: "mixed-other" }),
      scopes: ["completions", "logs", "analytics"],
    });
    const start = new Date(Date.now() - 60_000).toISOString();

    expected = await runMixedWorkload({
      gatewayUrl: gateway.url,
      apiKey: gateway.apiKey,
      slug,
      providerKey: PROVIDER_KEY,
      fake,
      failing,
      closedUrl: await closedPortUrl(),
      runId: String(Date.now()),
    });
    const foreign = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-portkey-api-key": otherKey,
        "x-portkey-provider": "openai",
        "x-portkey-custom-host": fake.baseUrl,
        authorization: `Bearer ${PROVIDER_KEY}`,
        "x-portkey-trace-id": "mixed-other-workspace",
      },
      body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "other workspace" }] }),
    });
    expect(foreign.status).toBe(200);

    // The disconnect is logged when the gateway notices it: wait for every request to be finished.
    const traces = [...expected.map((e) => e.traceId), "mixed-other-workspace"];
    for (let i = 0; i < 100 && !traces.every((t) => finished.includes(t)); i++)
      await new Promise((r) => setTimeout(r, 20));
    range = { time_of_generation_min: start, time_of_generation_max: new Date(Date.now() + 60_000).toISOString() };
    await makeQueryable();
    const q = new URLSearchParams({ ...range, limit: "500" });
    const page = await getJson<{ data: LogRow[]; has_more: boolean }>(`/v1/logs?${q}`);
    expect(page.status).toBe(200);
    expect(page.body.has_more).toBe(false);
    rows = page.body.data;
    portkey = new Portkey({ apiKey: gateway.apiKey, baseURL: `${gateway.url}/v1` });
  });
  afterAll(async () => {
    await gateway?.stop();
    await fake?.close();
    await failing?.close();
  });

  it("ran the workload the client expected (statuses as surfaced to the SDK)", () => {
    expect(expected.map((e) => [e.label, e.status])).toEqual([
      ["json-mini", 200],
      ["json-4o", 200],
      ["stream-mini", 200],
      ["stream-4o", 200],
      ["fallback-503", 200],
      ["fallback-closed", 200],
      ["cache-miss", 200],
      ["cache-hit", 200],
      ["upstream-400", 400],
      ["upstream-429", 429],
      ["bad-json", 400],
      ["no-provider", 400],
      ["disconnect", 499],
    ]);
  });

  it("logs every request exactly once, and nothing else", () => {
    const traces = rows.map((r) => r.trace_id).sort();
    expect(traces).toEqual(expected.map((e) => e.traceId).sort());
    expect(finished.filter((t) => t.startsWith("mixed-")).sort()).toEqual([...traces, "mixed-other-workspace"].sort());
  });

  it("logs status, tokens, cost, cache status, stream flag, user and metadata per request", () => {
    for (const e of expected) {
      const row = rowOf(e);
      expect(
        {
          label: e.label,
          status: row.status,
          prompt: row.prompt_tokens,
          completion: row.completion_tokens,
          total: row.total_tokens,
          cache: row.cache_status,
          stream: row.stream,
          user: row.user,
          team: row.metadata.team ?? null,
          model: row.model_served ?? row.model_requested,
        },
        e.label,
      ).toEqual({
        label: e.label,
        status: e.status,
        prompt: e.promptTokens,
        completion: e.completionTokens,
        total: e.promptTokens + e.completionTokens,
        cache: e.cacheStatus,
        stream: e.stream,
        user: e.user,
        team: e.team,
        model: e.model,
      });
      if (e.costUsd === null) expect(row.cost_usd, e.label).toBeNull();
      else expect(Math.abs(Number(row.cost_usd) - e.costUsd), e.label).toBeLessThan(1e-12);
    }
  });

  it("lists the upstream attempts in the log detail (a fallback is two attempts, a cache hit none)", async () => {
    const detailOf = async (label: string) =>
      (
        await getJson<{ attempts: { status: number }[]; client_disconnected: boolean }>(
          `/v1/logs/${rowOf(byLabel(label)).id}`,
        )
      ).body;
    for (const e of expected.filter((x) => x.label !== "cache-hit")) {
      const detail = await detailOf(e.label);
      expect(detail.attempts, e.label).toHaveLength(e.attempts);
      expect(detail.client_disconnected, e.label).toBe(e.clientDisconnected);
    }
    expect((await detailOf("fallback-503")).attempts.map((a) => a.status)).toEqual([503, 200]);
    expect((await detailOf("fallback-closed")).attempts.at(-1)?.status).toBe(200);
    expect((await detailOf("upstream-429")).attempts.map((a) => a.status)).toEqual([429]);
  });

  it("does not list an upstream attempt for a cache hit (it made no upstream call)", async () => {
    const detail = await getJson<{ attempts: unknown[] }>(`/v1/logs/${rowOf(byLabel("cache-hit")).id}`);
    expect(detail.body.attempts).toEqual([]);
  });

  it("answers the request, error, token and cost graphs with the workload's totals", async () => {
    const n = expected.length;
    const errors = expected.filter((e) => e.status >= 400);
    const requests = (await portkey.analytics.graphs.requests(range)) as unknown as Graph;
    expect(requests.summary.total).toBe(n);
    expect(requests.data_points.reduce((a, p) => a + Number(p.total), 0)).toBe(n);
    const errorGraph = (await portkey.analytics.graphs.errors(range)) as unknown as Graph;
    expect(errorGraph.summary.total).toBe(errors.length);
    const rate = (await portkey.analytics.graphs.errors_rate(range)) as unknown as Graph;
    expect(rate.summary.total).toBeCloseTo((100 * errors.length) / n, 9);
    const codes = (await portkey.analytics.graphs.errors_status_code(range)) as unknown as Graph<{
      status_code: number;
      total: number;
    }>;
    const expectedCodes: Record<number, number> = {};
    for (const e of errors) expectedCodes[e.status] = (expectedCodes[e.status] ?? 0) + 1;
    expect(Object.fromEntries(codes.data_points.map((p) => [p.status_code, p.total]))).toEqual(expectedCodes);

    const tokens = (await portkey.analytics.graphs.tokens(range)) as unknown as Graph;
    const prompt = sum(expected, (e) => e.promptTokens);
    const completion = sum(expected, (e) => e.completionTokens);
    expect(tokens.summary).toMatchObject({ prompt, completion, total: prompt + completion });

    const cost = (await portkey.analytics.graphs.cost(range)) as unknown as Graph;
    expect(Math.abs(Number(cost.summary.total) - costOf(expected))).toBeLessThan(1e-9);
    const priced = expected.filter((e) => e.costUsd !== null).length;
    expect(Math.abs(Number(cost.summary.avg) - costOf(expected) / priced)).toBeLessThan(1e-9);

    const rescued = (await portkey.analytics.graphs.requests_rescued(range)) as unknown as Graph;
    expect(rescued.summary.total).toBe(expected.filter((e) => e.status < 400 && e.attempts > 1).length);
    const users = (await portkey.analytics.graphs.users(range)) as unknown as Graph;
    expect(users.summary.total).toBe(new Set(expected.flatMap((e) => (e.user ? [e.user] : []))).size);
  });

  it("answers the cache summary and hit rate with one hit and one miss", async () => {
    const hits = expected.filter((e) => e.cacheStatus === "hit").length;
    const misses = expected.filter((e) => e.cacheStatus === "miss").length;
    const summary = (await portkey.analytics.summary.cache(range)) as unknown as { summary: Record<string, number> };
    expect(summary.summary).toMatchObject({ requests: expected.length, hits, misses });
    expect(Math.abs(Number(summary.summary.cost_usd) - costOf(expected))).toBeLessThan(1e-9);
    const hitRate = (await portkey.analytics.graphs.cache_hit_rate(range)) as unknown as Graph;
    expect(hitRate.summary).toMatchObject({ hits, misses, total: (100 * hits) / expected.length });
  });

  it("groups requests, tokens and cost by model and by the team metadata", async () => {
    type Group = { requests: number; cost: number; total_tokens: number; error_count: number } & Record<
      string,
      unknown
    >;
    const check = (groups: Group[], label: string, keyOf: (e: ExpectedRequest) => string | null) => {
      const keys = new Set(expected.map(keyOf).filter((k): k is string => k !== null));
      expect(groups.map((g) => g[label]).sort()).toEqual([...keys].sort());
      for (const key of keys) {
        const mine = expected.filter((e) => keyOf(e) === key);
        const group = groups.find((g) => g[label] === key) as Group;
        expect({ key, requests: group.requests, tokens: group.total_tokens, errors: group.error_count }).toEqual({
          key,
          requests: mine.length,
          tokens: sum(mine, (e) => e.promptTokens + e.completionTokens),
          errors: mine.filter((e) => e.status >= 400).length,
        });
        expect(Math.abs(group.cost - costOf(mine)), key).toBeLessThan(1e-9);
      }
    };
    const models = (await portkey.analytics.groups.aiModels({ ...range, page_size: 50 })) as unknown as {
      data: Group[];
    };
    // the request whose body never parsed has no model: it is its own (null) group
    check(
      models.data.filter((g) => g.model !== null),
      "model",
      (e) => e.model,
    );
    const teams = (await portkey.analytics.groups.metadata("team", range)) as unknown as { data: Group[] };
    check(teams.data, "team", (e) => e.team);
  });

  it("shows feedback given through the SDK on the request's log detail", async () => {
    const target = byLabel("json-mini");
    const res = await portkey.feedback.create({ traceID: target.traceId, value: 5, weight: 0.5 });
    expect(res.status).toBe("success");
    await makeQueryable();
    const detail = await getJson<{ feedback: { feedback_value: number; feedback_weight: number }[] }>(
      `/v1/logs/${rowOf(target).id}`,
    );
    expect(detail.body.feedback).toHaveLength(1);
    expect(detail.body.feedback[0]).toMatchObject({ feedback_value: 5, feedback_weight: 0.5 });
    const feedbacks = (await portkey.analytics.graphs.feedbacks(range)) as unknown as Graph;
    expect(feedbacks.summary.total).toBe(1);
  });

  it("shows none of these logs or numbers to another workspace's key", async () => {
    const q = new URLSearchParams({ ...range, limit: "500" });
    const theirs = await getJson<{ data: LogRow[] }>(`/v1/logs?${q}`, otherKey);
    expect(theirs.body.data.map((r) => r.trace_id)).toEqual(["mixed-other-workspace"]);
    const detail = await getJson<unknown>(`/v1/logs/${rowOf(byLabel("json-mini")).id}`, otherKey);
    expect(detail.status).toBe(404);
    const other = new Portkey({ apiKey: otherKey, baseURL: `${gateway.url}/v1` });
    const requests = (await other.analytics.graphs.requests(range)) as unknown as Graph;
    expect(requests.summary.total).toBe(1);
    const mine = (await portkey.analytics.graphs.requests({
      ...range,
      workspace_slug: "mixed-other",
    })) as unknown as Graph;
    expect(mine.summary.total).toBe(expected.length);
  });
});
