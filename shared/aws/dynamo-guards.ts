import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { CacheDeps } from "../cache/cache-deps";
import { Coalescer } from "../cache/coalescer";
import { MemoryCacheStore } from "../cache/memory-cache-store";
import { ResponseCache } from "../cache/response-cache";
import { DEFAULT_EMBEDDING_MEMO, EmbeddingMemo } from "../cache/semantic/embedding-memo";
import { DEFAULT_LSH, RandomHyperplaneLsh } from "../cache/semantic/lsh";
import { DEFAULT_PER_BUCKET_LIMIT, SemanticCache } from "../cache/semantic/semantic-cache";
import { DEFAULT_TIERED_SEMANTIC_INDEX, TieredSemanticIndex } from "../cache/semantic/tiered-semantic-index";
import { TieredCacheStore } from "../cache/tiered-cache-store";
import { priceFromTable } from "../limits/price-table";
import { DEFAULT_COMPLETION_CAP } from "../limits/pricing";
import { SlidingWindowRateLimiter } from "../limits/rate-limiter";
import { RequestLimits } from "../limits/request-limits";
import { BudgetLedger, DEFAULT_LEASE_MS, DEFAULT_RETAIN_MS } from "../limits/usage-ledger";
import { DEFAULT_RESPONSES_TTL_DAYS, type ResponseStore, TableResponseStore } from "../store/response-store";
import { DynamoCacheStore } from "./dynamo-cache-store";
import { DynamoItemTable } from "./dynamo-item-table";
import { DynamoWindowCounter } from "./dynamo-rate-limiter";
import { DynamoSemanticIndex } from "./dynamo-semantic-index";
import { DynamoLedgerBackend } from "./dynamo-usage-ledger";

/**
 * Budgets, rate limits and the response cache (simple and semantic: LSH buckets on the same table, embeddings
 * memoised in process) on the deployment's DynamoDB table (AWS, moto or dynalite).
 */
export function createDynamoGuards(
  client: DynamoDBClient,
  tableName: string,
  options: { readonly responsesTtlSeconds?: number } = {},
): { limits: RequestLimits; cache: CacheDeps; ledger: BudgetLedger; responses: ResponseStore } {
  const now = Date.now;
  // Responses API conversation state (docs/responses.md), on the same table
  const responses = new TableResponseStore(new DynamoItemTable(client, { tableName, now }), {
    ttlSeconds: options.responsesTtlSeconds ?? DEFAULT_RESPONSES_TTL_DAYS * 86_400,
    now,
  });
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
  const store = new TieredCacheStore(memory, new DynamoCacheStore(client, tableName, now));
  const semantic = new SemanticCache({
    index: new TieredSemanticIndex(new DynamoSemanticIndex(client, tableName, now), {
      ...DEFAULT_TIERED_SEMANTIC_INDEX,
      now,
    }),
    store,
    lsh: new RandomHyperplaneLsh(DEFAULT_LSH),
    perBucketLimit: DEFAULT_PER_BUCKET_LIMIT,
    now,
  });
  const cache = new ResponseCache({ store, semantic, now });
  const embedMemo = new EmbeddingMemo({ ...DEFAULT_EMBEDDING_MEMO, now });
  return { limits, cache: { cache, coalescer: new Coalescer<string>(), embedMemo }, ledger, responses };
}
