import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Portkey } from "portkey-ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnalyticsCore } from "../../shared/analytics/analytics-core";
import { createDuckDbEngine, type DuckDbEngine } from "../../shared/analytics/duckdb-engine";
import { AuthenticationError } from "../../shared/core/errors";
import type { Authenticator, Principal } from "../../shared/core/principal";
import type { CoreRequest } from "../../shared/http/types";
import type { LogSink } from "../../shared/logging/log-sink";
import { createNdjsonFileSink } from "../../shared/logging/ndjson-file-sink";
import type { RequestLogRecord } from "../../shared/logging/record";
import { serveCore } from "../support/core-http";
import { generateLogRecords, writeLogFiles } from "./analytics-log-generator";

const START = Date.parse("2026-10-01T00:00:00.000Z");
const RANGE = {
  time_of_generation_min: "2026-10-01T00:00:00.000Z",
  time_of_generation_max: "2026-10-02T23:59:59.999Z",
};
const records: RequestLogRecord[] = [
  ...generateLogRecords({ count: 800, seed: 3, startMs: START, spanMs: 2 * 86_400_000, workspaces: ["ws-a", "ws-b"] }),
];
const mine = records.filter((r) => r.workspace_id === "ws-a");

/** Keys: "key-a" -> workspace ws-a; "root" -> the root principal (as the gateway's authenticator makes it); else 401. */
const authenticator: Authenticator = {
  async authenticate(req: CoreRequest): Promise<Principal> {
    const key = req.headers["x-portkey-api-key"];
    if (key === "root")
      return { workspaceId: "*", apiKeyId: "root", scopes: new Set(["analytics", "logs"]), isRoot: true };
    if (key !== "key-a") throw new AuthenticationError();
    return { workspaceId: "ws-a", apiKeyId: "k1", scopes: new Set(["analytics", "logs"]), isRoot: false };
  },
};

let dataDir: string;
let engine: DuckDbEngine;
let sink: LogSink;
let server: Awaited<ReturnType<typeof serveCore>>;
let portkey: Portkey;
let baseURL: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "analytics-core-"));
  writeLogFiles(dataDir, records);
  engine = await createDuckDbEngine({ dataDir, refreshIntervalMs: 0, threads: 1 });
  sink = createNdjsonFileSink({ dataDir, onUndelivered: () => {}, flushIntervalMs: 60_000 });
  server = await serveCore(createAnalyticsCore({ authenticator, engine, feedbackSink: sink, now: () => START }));
  baseURL = server.baseURL;
  portkey = new Portkey({ apiKey: "key-a", baseURL });
});

afterAll(async () => {
  await server.close();
  await sink.close();
  await engine.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("analytics core through the portkey-ai SDK", () => {
  it("returns the requests graph for the caller's workspace", async () => {
    // Act
    const res = (await portkey.analytics.graphs.requests(RANGE)) as unknown as Record<string, unknown>;
    // Assess
    expect(res.object).toBe("analytics-graph");
    expect(res.summary).toEqual({ total: mine.length });
    const points = res.data_points as Array<{ timestamp: string; total: number }>;
    // A two-day range is bucketed by hour, with empty hours filled in.
    expect(res.granularity).toBe("hour");
    expect(points).toHaveLength(48);
    expect(points[0]?.timestamp).toBe("2026-10-01T00:00:00.000Z");
    expect(points.reduce((a, p) => a + p.total, 0)).toBe(mine.length);
  });

  it("returns cost, error rate and cache hit rate summaries that match the records", async () => {
    const cost = (await portkey.analytics.graphs.cost(RANGE)) as unknown as { summary: { total: number } };
    expect(cost.summary.total).toBeCloseTo(
      mine.reduce((a, r) => a + (r.cost_usd ?? 0), 0),
      9,
    );
    const errors = (await portkey.analytics.graphs.errors_rate(RANGE)) as unknown as { summary: { total: number } };
    expect(errors.summary.total).toBeCloseTo((100 * mine.filter((r) => r.status >= 400).length) / mine.length, 9);
    const cache = (await portkey.analytics.summary.cache(RANGE)) as unknown as { summary: { hits: number } };
    expect(cache.summary.hits).toBe(
      mine.filter((r) => r.cache_status === "hit" || r.cache_status === "semantic_hit").length,
    );
  });

  it("groups by AI model and by metadata key", async () => {
    const models = (await portkey.analytics.groups.aiModels({ ...RANGE, page_size: 50 })) as unknown as {
      total: number;
      data: Array<{ model: string; requests: number }>;
    };
    expect(models.total).toBe(new Set(mine.map((r) => r.model_served)).size);
    expect(models.data.reduce((a, g) => a + g.requests, 0)).toBe(mine.length);
    const env = (await portkey.analytics.groups.metadata("env", RANGE)) as unknown as { data: Array<{ env: string }> };
    expect(env.data.map((g) => g.env).sort()).toEqual(["dev", "prod"]);
  });

  it("answers 400 for a bad filter and 401 without a valid key", async () => {
    const bad = await fetch(`${baseURL}/analytics/graphs/requests?time_of_generation_min=nope`, {
      headers: { "x-portkey-api-key": "key-a" },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
    const anon = await fetch(`${baseURL}/logs`, { headers: { "x-portkey-api-key": "wrong" } });
    expect(anon.status).toBe(401);
  });

  it("stores feedback and shows it on the log detail of its trace", async () => {
    // Prepare
    const target = mine[5] as RequestLogRecord;
    // Act
    const created = await portkey.feedback.create({ traceID: target.trace_id, value: 7, weight: 0.5 });
    await sink.flush();
    const updated = await portkey.feedback.update({ feedbackID: created.feedback_id[0], value: -3 });
    await sink.flush();
    const detail = (await (
      await fetch(`${baseURL}/logs/${target.id}`, { headers: { "x-portkey-api-key": "key-a" } })
    ).json()) as {
      id: string;
      feedback: Array<{ id: string; feedback_value: number; feedback_weight: number }>;
    };
    // Assess
    expect(created.status).toBe("success");
    expect(updated.feedback_id).toEqual(created.feedback_id);
    expect(detail.id).toBe(target.id);
    expect(detail.feedback[0]).toMatchObject({ id: created.feedback_id[0], feedback_value: -3, feedback_weight: 0.5 });
  });

  it("shows the root key every workspace, or the one it names; a workspace key only its own, whatever it names", async () => {
    // Prepare
    const get = async (path: string, key: string) => {
      const res = await fetch(`${baseURL}${path}`, { headers: { "x-portkey-api-key": key } });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    const range = new URLSearchParams(RANGE).toString();
    const theirs = records.filter((r) => r.workspace_id === "ws-b");
    const other = theirs[0] as RequestLogRecord;
    // Act
    const all = await get(`/analytics/graphs/requests?${range}`, "root");
    const named = await get(`/analytics/graphs/requests?${range}&workspace_id=ws-b`, "root");
    const portkeyName = await get(`/analytics/graphs/requests?${range}&workspace_slug=ws-b`, "root");
    const logs = await get(`/logs?${range}&limit=500&workspace_id=ws-b`, "root");
    const detail = await get(`/logs/${other.id}`, "root");
    const own = await get(`/analytics/graphs/requests?${range}&workspace_id=ws-a`, "key-a");
    const trespass = await get(`/analytics/graphs/requests?${range}&workspace_id=ws-b`, "key-a");
    const trespassLogs = await get(`/logs?${range}&workspace_id=ws-b`, "key-a");
    // Assess
    expect(all.json.summary).toEqual({ total: records.length });
    expect(named.json.summary).toEqual({ total: theirs.length });
    expect(portkeyName.json.summary).toEqual({ total: theirs.length });
    const rows = logs.json.data as { id: string; workspace_id: string }[];
    expect(rows).toHaveLength(theirs.length);
    expect(new Set(rows.map((r) => r.workspace_id))).toEqual(new Set(["ws-b"]));
    expect(detail).toMatchObject({ status: 200, json: { id: other.id, workspace_id: "ws-b" } });
    expect(own.json.summary).toEqual({ total: mine.length });
    expect(trespass.json.summary).toEqual({ total: mine.length });
    const trespassRows = trespassLogs.json.data as { workspace_id: string }[];
    expect(new Set(trespassRows.map((r) => r.workspace_id))).toEqual(new Set(["ws-a"]));
    expect(JSON.stringify(trespassLogs.json)).not.toContain(other.id);
  });

  it("keeps a feedback the root key updates in the feedback's own workspace", async () => {
    // Prepare
    const target = mine[9] as RequestLogRecord;
    const created = await portkey.feedback.create({ traceID: target.trace_id, value: 2 });
    await sink.flush();
    // Act
    const res = await fetch(`${baseURL}/feedback/${created.feedback_id[0]}`, {
      method: "PUT",
      headers: { "x-portkey-api-key": "root", "content-type": "application/json" },
      body: JSON.stringify({ value: 9 }),
    });
    await sink.flush();
    // Assess: the workspace still sees its feedback, with the root key's value
    expect(res.status).toBe(200);
    const detail = (await (
      await fetch(`${baseURL}/logs/${target.id}`, { headers: { "x-portkey-api-key": "key-a" } })
    ).json()) as { feedback: Array<{ id: string; feedback_value: number }> };
    expect(detail.feedback[0]).toMatchObject({ id: created.feedback_id[0], feedback_value: 9 });
  });

  it("lists logs page by page and never shows another workspace's log", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const params = new URLSearchParams({ ...RANGE, limit: "120" });
      if (after) params.set("after", after);
      const page = (await (
        await fetch(`${baseURL}/logs?${params}`, { headers: { "x-portkey-api-key": "key-a" } })
      ).json()) as {
        data: Array<{ id: string }>;
        next_cursor: string | null;
      };
      seen.push(...page.data.map((l) => l.id));
      after = page.next_cursor;
    } while (after);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.sort()).toEqual(mine.map((r) => r.id).sort());
    const other = records.find((r) => r.workspace_id === "ws-b") as RequestLogRecord;
    const res = await fetch(`${baseURL}/logs/${other.id}`, { headers: { "x-portkey-api-key": "key-a" } });
    expect(res.status).toBe(404);
  });
});
