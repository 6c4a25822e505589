import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { uuidV7 } from "../../shared/logging/ids";
import type { CacheStatus, RequestLogRecord } from "../../shared/logging/record";
import { computeCost } from "../../shared/pricing/cost";

/** Deterministic request-log generator for analytics tests and the bench (mulberry32 PRNG). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const GEN_TARGETS = [
  { provider: "openai", model: "gpt-4o-mini" },
  { provider: "openai", model: "gpt-4o-2024-08-06" },
  { provider: "anthropic", model: "claude-3-5-haiku-20241022" },
  { provider: "google", model: "gemini-2.0-flash" },
  { provider: "mystery", model: "unpriced-model" },
] as const;

const STATUSES = [200, 200, 200, 200, 200, 200, 200, 429, 500, 400] as const;
const CACHE: readonly (CacheStatus | null)[] = ["hit", "miss", "miss", null, "disabled", "semantic_hit"];

export interface GenerateOptions {
  count: number;
  seed: number;
  /** Epoch ms of the first record; records are spread evenly over `spanMs`. */
  startMs: number;
  spanMs: number;
  workspaces: readonly string[];
  /** Body size in characters; 0 = no bodies. */
  bodyChars?: number;
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

export function* generateLogRecords(o: GenerateOptions): Generator<RequestLogRecord> {
  const rand = prng(o.seed);
  const body = o.bodyChars ? "x".repeat(o.bodyChars) : null;
  const step = o.spanMs / o.count;
  for (let i = 0; i < o.count; i++) {
    const tsMs = Math.floor(o.startMs + i * step);
    const target = pick(rand, GEN_TARGETS);
    const status = pick(rand, STATUSES);
    const ok = status < 400;
    const prompt = ok ? 10 + Math.floor(rand() * 1000) : 0;
    const completion = ok ? Math.floor(rand() * 500) : 0;
    const cached = ok && rand() < 0.2 ? Math.floor(prompt / 2) : 0;
    const attempts = rand() < 0.1 ? 2 : 1;
    const cost = ok
      ? computeCost({ ...target, prompt_tokens: prompt, completion_tokens: completion, cached_tokens: cached })
      : null;
    yield {
      schema_version: 1,
      kind: "request",
      id: uuidV7(tsMs),
      trace_id: `trace-${i}`,
      workspace_id: pick(rand, o.workspaces),
      api_key_id: `key-${Math.floor(rand() * 3)}`,
      ts: new Date(tsMs).toISOString(),
      method: "POST",
      endpoint: "/v1/chat/completions",
      provider: target.provider,
      model_requested: target.model,
      model_served: target.model,
      virtual_key: rand() < 0.5 ? "vk-main" : null,
      config_id: rand() < 0.3 ? "cfg-fallback" : null,
      prompt_id: null,
      prompt_version: null,
      strategy: null,
      attempts: Array.from({ length: attempts }, (_, k) => ({
        provider: target.provider,
        model: target.model,
        status: k === attempts - 1 ? status : 503,
        latency_ms: 5,
        error: k === attempts - 1 ? null : "upstream_unavailable",
        target: null,
      })),
      status,
      error_type: ok ? null : "upstream_error",
      error_message: null,
      retry_count: attempts - 1,
      last_used_option_index: null,
      latency_ms: Math.round(20 + rand() * 2000),
      ttft_ms: null,
      upstream_latency_ms: null,
      prompt_tokens: prompt,
      completion_tokens: completion,
      cached_tokens: cached,
      reasoning_tokens: 0,
      total_tokens: prompt + completion,
      cost_usd: cost,
      budget_reserved_usd: null,
      usage_anomaly: null,
      request_bytes: null,
      response_bytes: null,
      cache_status: pick(rand, CACHE),
      guardrails: [],
      metadata: { env: pick(rand, ["prod", "dev"]), team: pick(rand, ["a", "b", "c"]) },
      user: `user-${Math.floor(rand() * 20)}`,
      stream: rand() < 0.5,
      client_disconnected: false,
      request_body: body,
      response_body: body,
      request_body_truncated: false,
      response_body_truncated: false,
      budget_outcome: null,
      budget_settled_usd: null,
      budget_settled_tokens: null,
      budget_settlements: null,
      budget_alert_crossed: null,
    };
  }
}

/** Writes records as NDJSON under `<dataDir>/logs/dt=<day of ts>/<prefix>-<n>.ndjson` (setup code: sync I/O). */
export function writeLogFiles(dataDir: string, records: Iterable<RequestLogRecord>, prefix = "gen"): number {
  const buffers = new Map<string, string[]>();
  let written = 0;
  let fileNo = 0;
  const flush = (dt: string, lines: string[]) => {
    const dir = join(dataDir, "logs", `dt=${dt}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${prefix}-${fileNo++}.ndjson`), lines.join(""));
  };
  for (const record of records) {
    const dt = record.ts.slice(0, 10);
    let lines = buffers.get(dt);
    if (!lines) {
      lines = [];
      buffers.set(dt, lines);
    }
    lines.push(`${JSON.stringify(record)}\n`);
    written++;
    if (lines.length >= 50_000) {
      flush(dt, lines);
      buffers.set(dt, []);
    }
  }
  for (const [dt, lines] of buffers) if (lines.length > 0) flush(dt, lines);
  return written;
}
