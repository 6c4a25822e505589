import {
  type AttributeValue,
  BatchWriteItemCommand,
  type DynamoDBClient,
  QueryCommand,
} from "@aws-sdk/client-dynamodb";
import type { SemanticEntry, SemanticIndex } from "../cache/semantic/semantic-index";

/**
 * Semantic-cache buckets in the single table: pk = SEMCACHE#<workspace>#<bucket> (the bucket id embeds the context
 * hash and the LSH band bucket), sk = <createdAt ms, 15 digits>#<entry id>; vector (B, float32 little-endian),
 * responseHash, expiresAtMs, expiresAt (TTL). A lookup is one Query per band, newest first, `Limit` bounded.
 */
export class DynamoSemanticIndex implements SemanticIndex {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async query(workspaceId: string, bucket: string, limit: number): Promise<SemanticEntry[]> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": { S: pk(workspaceId, bucket) } },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    const now = this.now();
    const entries: SemanticEntry[] = [];
    for (const item of out.Items ?? []) {
      const expiresAtMs = Number(item.expiresAtMs?.N ?? 0);
      const raw = item.vector?.B;
      if (expiresAtMs <= now || !raw) continue;
      const bytes = Uint8Array.from(raw);
      entries.push({
        id: item.entryId?.S ?? "",
        vector: new Float32Array(bytes.buffer, 0, bytes.byteLength / 4),
        responseHash: item.responseHash?.S ?? "",
        createdAtMs: Number(item.createdAt?.N ?? 0),
        expiresAtMs,
      });
    }
    return entries;
  }

  async put(workspaceId: string, buckets: readonly string[], entry: SemanticEntry): Promise<void> {
    const vector = new Uint8Array(entry.vector.buffer, entry.vector.byteOffset, entry.vector.byteLength);
    const sk = `${String(entry.createdAtMs).padStart(15, "0")}#${entry.id}`;
    const requests = buckets.map((bucket) => ({
      PutRequest: {
        Item: {
          pk: { S: pk(workspaceId, bucket) },
          sk: { S: sk },
          entryId: { S: entry.id },
          vector: { B: vector },
          responseHash: { S: entry.responseHash },
          createdAt: { N: String(entry.createdAtMs) },
          expiresAtMs: { N: String(entry.expiresAtMs) },
          expiresAt: { N: String(Math.ceil(entry.expiresAtMs / 1000)) },
        } satisfies Record<string, AttributeValue>,
      },
    }));
    for (let i = 0; i < requests.length; i += 25) {
      let pending: typeof requests | undefined = requests.slice(i, i + 25);
      for (let attempt = 0; pending && pending.length > 0 && attempt < 5; attempt++) {
        const out = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending } }));
        pending = out.UnprocessedItems?.[this.tableName] as typeof requests | undefined;
      }
    }
  }
}

function pk(workspaceId: string, bucket: string): string {
  return `SEMCACHE#${workspaceId.replaceAll("#", "%23")}#${bucket}`;
}
