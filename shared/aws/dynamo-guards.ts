import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { Coalescer } from "../cache/coalescer";
import { MemoryCacheStore } from "../cache/memory-cache-store";
import { ResponseCache } from "../cache/response-cache";
import { TieredCacheStore } from "../cache/tiered-cache-store";
import type { CacheDeps } from "../gateway/cache-step";
import { priceFromTable } from "../limits/price-table";
import { DEFAULT_COMPLETION_CAP } from "../limits/pricing";
import { SlidingWindowRateLimiter } from "../limits/rate-limiter";
import { RequestLimits } from "../limits/request-limits";
import { BudgetLedger, DEFAULT_LEASE_MS, DEFAULT_RETAIN_MS } from "../limits/usage-ledger";
import { DynamoCacheStore } from "./dynamo-cache-store";
import { DynamoWindowCounter } from "./dynamo-rate-limiter";
import { DynamoLedgerBackend } from "./dynamo-usage-ledger";

/** Budgets, rate limits and the response cache on the deployment's DynamoDB table (AWS, moto or dynalite). */
export function createDynamoGuards(
  client: DynamoDBClient,
  tableName: string,
): { limits: RequestLimits; cache: CacheDeps; ledger: BudgetLedger } {
  const now = Date.now;
  const ledger = new BudgetLedger({
    backend: new DynamoLedgerBackend(client, tableName, now),
    now,
    leaseMs: DEFAULT_LEASE_MS,
    retainMs: DEFAULT_RETAIN_MS,
  });
  const limits = new RequestLimits({
    ledger,
    rateLimiter: new SlidingWindowRateLimiter(new DynamoWindowCounter(client, tableName, now), now),
    priceFor: priceFromTable,
    completionCap: DEFAULT_COMPLETION_CAP,
  });
  const memory = new MemoryCacheStore({ maxEntries: 2_000, maxBytes: 64 * 1024 * 1024, now });
  const cache = new ResponseCache({
    store: new TieredCacheStore(memory, new DynamoCacheStore(client, tableName, now)),
    now,
  });
  return { limits, cache: { cache, coalescer: new Coalescer<string>() }, ledger };
}
