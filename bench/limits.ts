import { fileURLToPath } from "node:url";
import { DynamoCacheStore } from "../shared/aws/dynamo-cache-store";
import { DynamoLedgerBackend } from "../shared/aws/dynamo-usage-ledger";
import { cacheKey } from "../shared/cache/cache-key";
import { MemoryCacheStore } from "../shared/cache/memory-cache-store";
import { replayAsSse } from "../shared/cache/sse-replay";
import type { BudgetScope } from "../shared/limits/limit-types";
import { MemoryLedgerBackend } from "../shared/limits/memory-ledger-backend";
import { SlidingWindowRateLimiter } from "../shared/limits/rate-limiter";
import { BudgetLedger, DEFAULT_LEASE_MS, DEFAULT_RETAIN_MS, type UsageLedger } from "../shared/limits/usage-ledger";
import { MemoryWindowCounter } from "../shared/limits/window-counter";
import { ensureTable, startDynalite } from "../test/integration/limits-support";

/**
 * Hot-path cost of issue 7's pieces, in process: cache key, memory cache hit, SSE replay of a cached answer,
 * budget reserve+settle and rate-limit check against in-memory stores, and (bounded) against an in-process
 * dynalite over loopback HTTP, which stands in for a DynamoDB round trip without its network latency.
 * Returns microseconds per operation (median of 5 rounds). `npx tsx bench/limits.ts` prints the table.
 */
const body = {
  model: "gpt-4o-mini",
  temperature: 0.2,
  max_tokens: 256,
  messages: [
    { role: "system", content: "You are a helpful assistant. ".repeat(20) },
    { role: "user", content: "Summarise the following text in three bullet points: ".repeat(15) },
  ],
  tools: [
    {
      type: "function",
      function: { name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } },
    },
  ],
};

const answer = JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion",
  created: 1,
  model: "gpt-4o-mini",
  choices: [
    { index: 0, message: { role: "assistant", content: "A bullet point. ".repeat(60) }, finish_reason: "stop" },
  ],
  usage: { prompt_tokens: 400, completion_tokens: 240, total_tokens: 640 },
});

const scope: BudgetScope = {
  workspaceId: "ws-bench",
  kind: "api_key",
  id: "k-bench",
  limit: { type: "cost", credit_limit: 1_000_000, periodic_reset: "monthly" },
};

async function perOp(iterations: number, op: (i: number) => unknown): Promise<number> {
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) await op(i);
    rounds.push(((performance.now() - start) * 1000) / iterations);
  }
  rounds.sort((a, b) => a - b);
  return rounds[2] ?? Number.NaN;
}

function ledgerOver(backend: MemoryLedgerBackend | DynamoLedgerBackend): UsageLedger {
  return new BudgetLedger({ backend, now: Date.now, leaseMs: DEFAULT_LEASE_MS, retainMs: DEFAULT_RETAIN_MS });
}

export async function runLimitsBench(): Promise<Record<string, number>> {
  const results: Record<string, number> = {};
  const keyInput = { workspaceId: "ws", endpoint: "chat" as const, provider: "openai", model: "gpt-4o-mini", body };
  results["cache key (sha256 of canonical request), us"] = await perOp(5_000, () => cacheKey(keyInput));

  const memory = new MemoryCacheStore({ maxEntries: 10_000, maxBytes: 64_000_000, now: Date.now });
  const hash = cacheKey(keyInput);
  const cachedAnswer = {
    body: answer,
    provider: "openai",
    model: "gpt-4o-mini",
    createdAtMs: 0,
    expiresAtMs: Date.now() + 3_600_000,
  };
  await memory.put("ws", hash, cachedAnswer);
  results["memory cache hit (key + get), us"] = await perOp(5_000, () => memory.get("ws", cacheKey(keyInput)));
  results["SSE replay of a cached answer, us"] = await perOp(5_000, () =>
    replayAsSse(answer, { includeUsage: true, chunkChars: 32 }),
  );

  const memLedger = ledgerOver(new MemoryLedgerBackend());
  results["budget reserve+settle, in-memory, us"] = await perOp(5_000, async (i) => {
    const r = await memLedger.reserve([scope], { costMicros: 500, tokens: 0 }, `m-${i}-${Math.random()}`);
    await memLedger.settle(r, { costMicros: 400, tokens: 0 });
  });
  const limiter = new SlidingWindowRateLimiter(new MemoryWindowCounter(Date.now), Date.now);
  const rl = { ...scope, rule: { type: "requests" as const, unit: "rpm" as const, value: 1e12 } };
  results["rate-limit check, in-memory, us"] = await perOp(5_000, () => limiter.acquire([rl]));

  const dyn = await startDynalite();
  try {
    await ensureTable(dyn.client, "bench-limits");
    const dynLedger = ledgerOver(new DynamoLedgerBackend(dyn.client, "bench-limits"));
    await dynLedger.reserve([scope], { costMicros: 1, tokens: 0 }, "warm-up");
    results["budget reserve+settle (2 updates), dynalite, us"] = await perOp(100, async (i) => {
      const r = await dynLedger.reserve([scope], { costMicros: 500, tokens: 0 }, `s-${i}-${Math.random()}`);
      await dynLedger.settle(r, { costMicros: 400, tokens: 0 });
    });
    const dynCache = new DynamoCacheStore(dyn.client, "bench-limits");
    await dynCache.put("ws", hash, cachedAnswer);
    results["cache hit (GetItem + brotli), dynalite, us"] = await perOp(100, () => dynCache.get("ws", hash));
  } finally {
    await dyn.stop();
  }
  return results;
}

export function printLimitsBench(results: Record<string, number>): void {
  console.log("\n| operation | us/op |\n|---|---:|");
  for (const [name, us] of Object.entries(results)) console.log(`| ${name.replace(/, us$/, "")} | ${us.toFixed(1)} |`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  printLimitsBench(await runLimitsBench());
}
