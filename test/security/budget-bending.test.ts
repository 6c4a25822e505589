import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Scope } from "../../shared/core/principal";
import { DEFAULT_COMPLETION_CAP, estimateRequest } from "../../shared/limits/pricing";
import { IMPLAUSIBLE_PROMPT_SHARE } from "../../shared/limits/usage-bounds";
import { type FakeServer, startFakeServer, writeFrames } from "../fakes/fake-server";
import { startTestGateway, type TestGateway } from "../support/local-gateway";

/**
 * The attacker holds a completions-scoped key of a workspace with a budget, and a host of its own (a loopback
 * server here) that answers with whatever usage it likes: negative, huge, or beyond what a double can hold. It
 * must not bend the budget: spend never goes below 0, a reply from the attacker's host is charged at least the
 * request's prompt estimate and at most its reservation, and the budget still ends in a clean 412.
 */

/** Raw JSON number tokens the hostile host reports (raw, so that `1e400` reaches the gateway as written). */
interface Reported {
  readonly prompt: string;
  readonly completion: string;
}

type Shape = "openai-json" | "openai-stream" | "anthropic-json" | "anthropic-stream";

const sse = (data: string, event?: string) => `${event ? `event: ${event}\n` : ""}data: ${data}\n\n`;

function openaiReply(stream: boolean, r: Reported): string[] {
  const usage = `{"prompt_tokens":${r.prompt},"completion_tokens":${r.completion},"total_tokens":${r.prompt}}`;
  const head = `"id":"chatcmpl-hostile","created":1,"model":"gpt-4o-mini"`;
  if (!stream) {
    return [
      `{${head},"object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":${usage}}`,
    ];
  }
  const chunk = (choices: string, u: string) =>
    sse(`{${head},"object":"chat.completion.chunk","choices":${choices},"usage":${u}}`);
  return [
    chunk(`[{"index":0,"delta":{"role":"assistant","content":"ok"},"finish_reason":null}]`, "null"),
    chunk(`[{"index":0,"delta":{},"finish_reason":"stop"}]`, "null"),
    chunk("[]", usage),
    sse("[DONE]"),
  ];
}

function anthropicReply(stream: boolean, r: Reported): string[] {
  const model = '"model":"claude-3-5-haiku-20241022"';
  if (!stream) {
    return [
      `{"id":"msg_hostile","type":"message","role":"assistant",${model},"content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":${r.prompt},"output_tokens":${r.completion}}}`,
    ];
  }
  return [
    sse(
      `{"type":"message_start","message":{"id":"msg_hostile","type":"message","role":"assistant",${model},"content":[],"stop_reason":null,"usage":{"input_tokens":${r.prompt},"output_tokens":1}}}`,
      "message_start",
    ),
    sse(`{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`, "content_block_start"),
    sse(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"ok"}}`, "content_block_delta"),
    sse(`{"type":"content_block_stop","index":0}`, "content_block_stop"),
    sse(
      `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":${r.completion}}}`,
      "message_delta",
    ),
    sse(`{"type":"message_stop"}`, "message_stop"),
  ];
}

const PROMPT = "x".repeat(300);
const MAX_TOKENS = 10;
/** The gateway's prompt estimate of the requests below (shared/limits/pricing.ts, ADR 0026). */
const PROMPT_ESTIMATE = estimateRequest(
  "chat",
  { max_tokens: MAX_TOKENS, messages: [{ role: "user", content: PROMPT }] },
  DEFAULT_COMPLETION_CAP,
).promptTokens;
/** What a client-chosen host is billed at least for that prompt, whatever it reports (usage-bounds.ts). */
const PROMPT_FLOOR = Math.ceil(PROMPT_ESTIMATE * IMPLAUSIBLE_PROMPT_SHARE);
/** USD per million tokens (input, output) of the models asked for, from the price table. */
const PRICES = { openai: [0.15, 0.6], anthropic: [0.8, 4] } as const;

function microsCeil(tokens: number, perMTok: number): number {
  return Math.ceil(tokens * perMTok);
}

describe("budget bending: usage reported by an upstream the attacker controls", () => {
  let host: FakeServer;
  let gateway: TestGateway;
  let reported: Reported = { prompt: "1", completion: "1" };

  beforeAll(async () => {
    host = await startFakeServer(async ({ res, recorded, fault }) => {
      const body = recorded.json<{ stream?: boolean }>();
      const stream = body.stream === true;
      const frames = recorded.path.endsWith("/messages")
        ? anthropicReply(stream, reported)
        : openaiReply(stream, reported);
      res.writeHead(200, { "content-type": stream ? "text/event-stream" : "application/json" });
      await writeFrames(res, frames, fault, stream ? 1 : 0);
    });
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway.stop();
    await host.close();
  });

  /** A workspace with a cost budget, the attacker's completions-only key and a logs key for the assertions. */
  async function budgetedWorkspace(creditUsd: number) {
    const workspaceId = await gateway.createWorkspace({
      name: "bent",
      usage_limits: { type: "cost", credit_limit: creditUsd, periodic_reset: "none" },
    });
    const key = (scopes: Scope[]) => gateway.createKey({ name: "k", workspace_id: workspaceId, scopes });
    return { workspaceId, attackerKey: await key(["completions"]), logsKey: await key(["logs"]) };
  }

  /** The workspace budget once every settlement has landed. */
  async function settledSpend(workspaceId: string): Promise<{ spent: number; limit: number }> {
    let usage: { spent: number; reserved: number; limit: number } | undefined;
    for (let i = 0; i < 100 && usage?.reserved !== 0; i++) {
      if (i) await new Promise((r) => setTimeout(r, 10));
      usage = (
        (await gateway.admin("GET", `/v1/admin/workspaces/${workspaceId}/usage`)).json.data as (typeof usage)[]
      )[0];
    }
    expect(usage?.reserved).toBe(0);
    return usage as { spent: number; limit: number };
  }

  async function loggedRows(logsKey: string): Promise<Record<string, unknown>[]> {
    await gateway.logSink.flush();
    await gateway.analyticsEngine.refresh();
    const res = await fetch(`${gateway.url}/v1/logs?limit=100`, { headers: { "x-portkey-api-key": logsKey } });
    return ((await res.json()) as { data: Record<string, unknown>[] }).data;
  }

  /** The newest request's full log record (with `budget_reserved_usd`). */
  async function lastRecord(logsKey: string): Promise<Record<string, unknown>> {
    const [row] = await loggedRows(logsKey);
    const res = await fetch(`${gateway.url}/v1/logs/${String(row?.id)}`, { headers: { "x-portkey-api-key": logsKey } });
    return (await res.json()) as Record<string, unknown>;
  }

  function ask(shape: Shape, attackerKey: string, headers: Record<string, string> = {}): Promise<Response> {
    const anthropic = shape.startsWith("anthropic");
    return fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-portkey-api-key": attackerKey,
        "x-portkey-provider": anthropic ? "anthropic" : "openai",
        "x-portkey-custom-host": `${host.origin}/v1`,
        authorization: "Bearer sk-attacker-own-key",
        ...headers,
      },
      body: JSON.stringify({
        model: anthropic ? "claude-3-5-haiku-20241022" : "gpt-4o-mini",
        max_tokens: MAX_TOKENS,
        stream: shape.endsWith("stream"),
        messages: [{ role: "user", content: PROMPT }],
      }),
    });
  }

  it.each<Shape>(["openai-json", "openai-stream", "anthropic-json", "anthropic-stream"])(
    "%s: negative usage charges the prompt floor (a quarter of the estimate), never less, and the budget ends in a clean 412",
    async (shape) => {
      // Prepare: a budget for about five requests at the prompt floor
      const [input, output] = shape.startsWith("anthropic") ? PRICES.anthropic : PRICES.openai;
      const floorMicros = microsCeil(PROMPT_FLOOR, input);
      const reservedMicros = Math.ceil(PROMPT_ESTIMATE * input + MAX_TOKENS * output);
      const { workspaceId, attackerKey, logsKey } = await budgetedWorkspace((5 * floorMicros + reservedMicros) / 1e6);
      reported = { prompt: "-100000000", completion: "-5" };

      // Act: keep asking until refused (before the fix: spend went to -$15 and nothing was ever refused)
      const statuses: number[] = [];
      let refusal: { error?: { code?: string; type?: string } } | undefined;
      for (let i = 0; i < 30 && !statuses.includes(412); i++) {
        const res = await ask(shape, attackerKey);
        statuses.push(res.status);
        if (res.status === 412) refusal = (await res.json()) as typeof refusal;
        else await res.text();
        const { spent } = await settledSpend(workspaceId);
        expect(spent).toBeGreaterThanOrEqual(0);
      }

      // Assess: a clean 412 after a handful of answers, each charged at least the prompt floor
      const ok = statuses.filter((s) => s === 200).length;
      expect(statuses.at(-1)).toBe(412);
      expect(refusal?.error).toMatchObject({ type: "gateway_budget_exceeded", code: "budget_exceeded" });
      expect(ok).toBeGreaterThanOrEqual(4);
      expect(ok).toBeLessThanOrEqual(6);
      const { spent, limit } = await settledSpend(workspaceId);
      expect(spent).toBeGreaterThanOrEqual((ok * floorMicros) / 1e6 - 1e-9);
      expect(spent).toBeLessThanOrEqual(limit);
      const rows = (await loggedRows(logsKey)).filter((r) => r.status === 200);
      expect(rows).toHaveLength(ok);
      for (const row of rows) {
        expect(row.usage_anomaly).toBe("out_of_range");
        expect(Number(row.prompt_tokens)).toBe(PROMPT_FLOOR);
        expect(Number(row.cost_usd)).toBeGreaterThanOrEqual(0);
      }
    },
  );

  it.each<Shape>(["openai-json", "anthropic-stream"])(
    "%s: huge usage (even past a double's range) is charged at most the request's reservation",
    async (shape) => {
      // Prepare
      const { workspaceId, attackerKey, logsKey } = await budgetedWorkspace(1);
      reported = { prompt: "1000000000000000", completion: "1e400" };

      // Act
      const res = await ask(shape, attackerKey);
      await res.text();

      // Assess: one reservation's worth at most; the shared budget is not drained; the log says why
      expect(res.status).toBe(200);
      const { spent } = await settledSpend(workspaceId);
      const row = await lastRecord(logsKey);
      expect(spent).toBeGreaterThan(0);
      expect(spent).toBeLessThanOrEqual(Number(row.budget_reserved_usd));
      expect(Number(row.budget_reserved_usd)).toBeLessThan(0.001);
      expect(row.usage_anomaly).toBe("out_of_range");
    },
  );

  it("flags a plausible-looking but over-reserved usage from the attacker's host, and charges the reservation", async () => {
    // Prepare
    const { workspaceId, attackerKey, logsKey } = await budgetedWorkspace(1);
    reported = { prompt: "5000", completion: "9000" };

    // Act
    await (await ask("openai-json", attackerKey)).text();

    // Assess
    const { spent } = await settledSpend(workspaceId);
    const row = await lastRecord(logsKey);
    expect(row.usage_anomaly).toBe("over_reservation");
    expect(spent).toBeCloseTo(Number(row.budget_reserved_usd), 9);
  });

  it("treats an inline config's custom_host as the client's, and a saved config's as the admin's", async () => {
    // Prepare: the same target, once inline (sent by the attacker) and once saved through the admin API
    const { workspaceId, attackerKey } = await budgetedWorkspace(1);
    const target = { provider: "openai", api_key: "sk-attacker-own-key", custom_host: `${host.origin}/v1` };
    const saved = await gateway.admin("POST", "/v1/configs", {
      name: "stored",
      config: target,
      workspace_id: workspaceId,
    });
    reported = { prompt: "0", completion: "0" };
    const withConfig = async (config: string) => {
      const res = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-portkey-api-key": attackerKey, "x-portkey-config": config },
        body: JSON.stringify({
          model: "gpt-4o-mini",
          max_tokens: MAX_TOKENS,
          messages: [{ role: "user", content: PROMPT }],
        }),
      });
      await res.text();
      expect(res.status).toBe(200);
      return (await settledSpend(workspaceId)).spent;
    };

    // Act
    const afterSaved = await withConfig(String(saved.json.id));
    const afterInline = await withConfig(JSON.stringify(target));

    // Assess: the stored host's "0 tokens" is taken as reported; the inline one is charged the prompt floor
    expect(afterSaved).toBe(0);
    expect(afterInline).toBeCloseTo(microsCeil(PROMPT_FLOOR, PRICES.openai[0]) / 1e6, 9);
  });

  it("clamps negative usage from a host an admin stored on a virtual key: spend never goes below 0", async () => {
    // Prepare: the admin stored the host; its answers are trusted, but only as non-negative integers
    const { workspaceId, attackerKey, logsKey } = await budgetedWorkspace(0.01);
    const vkSlug = await gateway.createVirtualKey({
      name: "stored host",
      key: "sk-stored",
      custom_host: `${host.origin}/v1`,
      workspace_id: workspaceId,
    });
    reported = { prompt: "-100000000", completion: "3" };

    // Act
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-portkey-api-key": attackerKey },
      body: JSON.stringify({
        model: `@${vkSlug}/gpt-4o-mini`,
        messages: [{ role: "user", content: "hi" }],
      }),
    });
    await res.text();

    // Assess: 3 completion tokens of gpt-4o-mini, nothing taken off for the negative prompt
    expect(res.status).toBe(200);
    const { spent } = await settledSpend(workspaceId);
    expect(spent).toBeCloseTo(microsCeil(3, PRICES.openai[1]) / 1e6, 9);
    const [row] = await loggedRows(logsKey);
    expect(row).toMatchObject({ prompt_tokens: 0, completion_tokens: 3, usage_anomaly: "out_of_range" });
  });
});

describe("budget bending: a workspace admin key and the limits root set on its workspace", () => {
  let gateway: TestGateway;
  let workspaceId: string;
  let adminKey: string;

  beforeAll(async () => {
    gateway = await startTestGateway();
    workspaceId = await gateway.createWorkspace({
      name: "capped",
      usage_limits: { type: "cost", credit_limit: 5, periodic_reset: "monthly" },
      rate_limits: [{ type: "requests", unit: "rpm", value: 60 }],
    });
    adminKey = await gateway.createKey({
      name: "workspace admin",
      workspace_id: workspaceId,
      scopes: ["admin", "completions"],
    });
  });
  afterAll(() => gateway.stop());

  function asWorkspaceAdmin(body: unknown) {
    return fetch(`${gateway.url}/v1/admin/workspaces/${workspaceId}`, {
      method: "PUT",
      headers: { "x-portkey-api-key": adminKey, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  it.each([
    ["clears the budget", { usage_limits: null }],
    ["raises the budget", { usage_limits: { type: "cost", credit_limit: 5000, periodic_reset: "monthly" } }],
    ["clears the rate limits", { rate_limits: null }],
    ["loosens the rate limits", { rate_limits: [{ type: "requests", unit: "rpm", value: 60000 }] }],
  ])("refuses a workspace admin that %s (403), and leaves the limits as root set them", async (_what, body) => {
    // Act
    const res = await asWorkspaceAdmin({ name: "renamed", ...body });

    // Assess
    expect(res.status).toBe(403);
    const error = ((await res.json()) as { error: Record<string, unknown> }).error;
    expect(error).toMatchObject({ type: "permission_error", code: "root_only_limits" });
    expect(String(error.message)).toMatch(/root/);
    const ws = (await gateway.admin("GET", `/v1/admin/workspaces/${workspaceId}`)).json;
    expect(ws).toMatchObject({
      name: "capped",
      usage_limits: { credit_limit: 5 },
      rate_limits: [{ value: 60 }],
    });
  });

  it("lets a workspace admin change the other fields, and send the limits back unchanged", async () => {
    // Prepare: what a client that read the workspace would send back
    const current = (await gateway.admin("GET", `/v1/admin/workspaces/${workspaceId}`)).json;

    // Act
    const res = await asWorkspaceAdmin({
      name: "renamed by its admin",
      usage_limits: current.usage_limits,
      rate_limits: current.rate_limits,
    });

    // Assess
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ name: "renamed by its admin", usage_limits: { credit_limit: 5 } });
  });

  it("lets the root key change the workspace's limits", async () => {
    const res = await gateway.admin("PUT", `/v1/admin/workspaces/${workspaceId}`, { usage_limits: null });
    expect(res.status).toBe(200);
    expect(res.json.usage_limits).toBeNull();
  });
});
