import { ConditionalCheckFailedException, type DynamoDBClient, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import type { WindowCounter, WindowKey } from "../limits/window-counter";
import { counterItemKey, num, readLiveCounter, readNum } from "./dynamo-counter-item";

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
          Key: counterItemKey(key),
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
      const count = err.Item ? readNum(err.Item.n) : await this.read(key);
      return { ok: false, count };
    }
  }

  async add(key: WindowKey, amount: number, expiresAtSec: number): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: counterItemKey(key),
        UpdateExpression: "ADD n :amt SET expiresAt = :exp",
        ExpressionAttributeValues: { ":amt": num(amount), ":exp": num(expiresAtSec) },
      }),
    );
  }

  async read(key: WindowKey): Promise<number> {
    return readNum((await readLiveCounter(this.client, this.tableName, key, this.now()))?.n);
  }
}
