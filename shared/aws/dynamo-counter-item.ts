import { type AttributeValue, type DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";

/**
 * What the single table's counter items (budget counters, rate-limit windows) share: a string `pk`/`sk` key,
 * numbers as `N` attributes, and a TTL attribute `expiresAt` (epoch s) that every read checks, because DynamoDB's
 * TTL deletes lazily and dynalite not at all.
 */
export interface CounterItemKey {
  readonly pk: string;
  readonly sk: string;
}

export function counterItemKey(key: CounterItemKey): Record<string, AttributeValue> {
  return { pk: { S: key.pk }, sk: { S: key.sk } };
}

export function num(n: number): AttributeValue {
  return { N: String(n) };
}

/** A number attribute; 0 when absent. */
export function readNum(v: AttributeValue | undefined): number {
  return v?.N === undefined ? 0 : Number(v.N);
}

/** Strongly consistent read of a counter item; undefined when absent or past its `expiresAt`. */
export async function readLiveCounter(
  client: DynamoDBClient,
  tableName: string,
  key: CounterItemKey,
  nowMs: number,
): Promise<Record<string, AttributeValue> | undefined> {
  const out = await client.send(
    new GetItemCommand({ TableName: tableName, Key: counterItemKey(key), ConsistentRead: true }),
  );
  const item = out.Item;
  if (!item) return undefined;
  const expiresAt = item.expiresAt?.N;
  if (expiresAt !== undefined && Number(expiresAt) * 1000 <= nowMs) return undefined;
  return item;
}
