import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import type { WindowCounter, WindowKey } from "../limits/window-counter";

/**
 * Rate-limit window counters in the single table: pk = RL#<workspace>#<kind>#<id>,
 * sk = <requests|tokens>#<unit>#<window start epoch s>, attribute `n`, TTL `expiresAt` (checked on read).
 */
export class DynamoWindowCounter implements WindowCounter {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async tryAdd(key: WindowKey, amount: number, maxBefore: number, expiresAtSec: number) {
    try {
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: itemKey(key),
          UpdateExpression: "ADD n :amt SET expiresAt = :exp",
          ConditionExpression: "attribute_not_exists(n) OR n <= :max",
          ExpressionAttributeValues: { ":amt": num(amount), ":exp": num(expiresAtSec), ":max": num(maxBefore) },
          ReturnValues: "UPDATED_NEW",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return { ok: true, count: Number(out.Attributes?.n?.N ?? amount) };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const count = err.Item ? Number(err.Item.n?.N ?? 0) : await this.read(key);
      return { ok: false, count };
    }
  }

  async add(key: WindowKey, amount: number, expiresAtSec: number): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: itemKey(key),
        UpdateExpression: "ADD n :amt SET expiresAt = :exp",
        ExpressionAttributeValues: { ":amt": num(amount), ":exp": num(expiresAtSec) },
      }),
    );
  }

  async read(key: WindowKey): Promise<number> {
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: itemKey(key), ConsistentRead: true }),
    );
    const item = out.Item;
    if (!item) return 0;
    if (Number(item.expiresAt?.N ?? Number.POSITIVE_INFINITY) * 1000 <= this.now()) return 0;
    return Number(item.n?.N ?? 0);
  }
}

function itemKey(key: WindowKey): Record<string, AttributeValue> {
  return { pk: { S: key.pk }, sk: { S: key.sk } };
}

function num(n: number): AttributeValue {
  return { N: String(n) };
}
