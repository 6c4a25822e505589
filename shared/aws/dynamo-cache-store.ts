import { promisify } from "node:util";
import { brotliCompress, brotliDecompress, constants as zlib } from "node:zlib";
import { type AttributeValue, type DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import type { CachedResponse, CachePutResult, CacheStore } from "../cache/cache-types";

const compress = promisify(brotliCompress);
const decompress = promisify(brotliDecompress);

/** DynamoDB items are at most 400 KB; this leaves room for the key and the other attributes. */
export const MAX_CACHED_BODY_BYTES = 380_000;

/**
 * Exact-match cache in the single table: pk = CACHE#<workspace>#<sha256>, sk = RESPONSE; body brotli-compressed
 * (B), provider, model, createdAt (ms), expiresAtMs, expiresAt (TTL, epoch s). Expiry is checked on every read
 * because DynamoDB's TTL deletes late (and moto/dynalite never do).
 */
export class DynamoCacheStore implements CacheStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async get(workspaceId: string, hash: string): Promise<CachedResponse | undefined> {
    const out = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: key(workspaceId, hash) }));
    const item = out.Item;
    if (!item?.body?.B) return undefined;
    const expiresAtMs = Number(item.expiresAtMs?.N ?? 0);
    if (expiresAtMs <= this.now()) return undefined;
    const body = (await decompress(item.body.B)).toString("utf8");
    return {
      body,
      provider: item.provider?.S ?? "",
      model: item.model?.S ?? "",
      createdAtMs: Number(item.createdAt?.N ?? 0),
      expiresAtMs,
    };
  }

  async put(workspaceId: string, hash: string, entry: CachedResponse): Promise<CachePutResult> {
    const packed = await compress(Buffer.from(entry.body, "utf8"), {
      params: { [zlib.BROTLI_PARAM_QUALITY]: 5, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT },
    });
    if (packed.length > MAX_CACHED_BODY_BYTES) {
      return {
        stored: false,
        reason: `compressed answer is ${packed.length} bytes, above the ${MAX_CACHED_BODY_BYTES}-byte item budget`,
      };
    }
    const item: Record<string, AttributeValue> = {
      ...key(workspaceId, hash),
      body: { B: packed },
      provider: { S: entry.provider },
      model: { S: entry.model },
      createdAt: { N: String(entry.createdAtMs) },
      expiresAtMs: { N: String(entry.expiresAtMs) },
      expiresAt: { N: String(Math.ceil(entry.expiresAtMs / 1000)) },
    };
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: item }));
    return { stored: true, bytes: packed.length };
  }
}

function key(workspaceId: string, hash: string): Record<string, AttributeValue> {
  return { pk: { S: `CACHE#${workspaceId.replaceAll("#", "%23")}#${hash}` }, sk: { S: "RESPONSE" } };
}
