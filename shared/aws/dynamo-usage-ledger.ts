import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import type {
  CounterKey,
  CounterMeta,
  CounterState,
  LedgerBackend,
  PendingLease,
  Reservation,
  ReserveOutcome,
  SettleWrite,
} from "../limits/ledger-backend";
import { counterItemKey, num, readLiveCounter, readNum } from "./dynamo-counter-item";

/**
 * Budget counters in the single table. One item per (owner, limit type, period):
 *   pk = USAGE#<workspace>#<kind>#<id>   sk = PERIOD#<cost|tokens>#<period start | all>
 *   used, spent, reserved (N, ledger units), pending (M: requestId -> {a: amount, x: lease expiry ms}),
 *   unit, lim, periodStart, periodEnd, expiresAt (TTL, epoch s), gsi1pk = USAGE#<workspace>, gsi1sk.
 * Every write is one conditional UpdateItem. See docs/adr/0016-budget-reservations.md.
 */
export class DynamoLedgerBackend implements LedgerBackend {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async tryReserve({ key, requestId, amount, limit, lease, meta }: Reservation): Promise<ReserveOutcome> {
    if (amount > limit) return (await this.holds(key, requestId)) ? "duplicate" : "exhausted";
    const command = new UpdateItemCommand({
      TableName: this.tableName,
      Key: counterItemKey(key),
      UpdateExpression: "SET #p.#r = :lease, #lim = :lim ADD #used :amt, #res :amt",
      ConditionExpression: "attribute_not_exists(#p.#r) AND (attribute_not_exists(#used) OR #used <= :headroom)",
      ExpressionAttributeNames: {
        "#p": "pending",
        "#r": requestId,
        "#used": "used",
        "#res": "reserved",
        "#lim": "lim",
      },
      ExpressionAttributeValues: {
        ":lease": leaseValue(lease),
        ":amt": num(amount),
        ":lim": num(limit),
        ":headroom": num(limit - amount),
      },
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    });
    try {
      await this.sendCreatingItem(command, key, meta);
      return "reserved";
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const pending = err.Item ? err.Item.pending?.M : (await this.getItem(key))?.pending?.M;
      return pending?.[requestId] ? "duplicate" : "exhausted";
    }
  }

  async settle(key: CounterKey, requestId: string, reserved: number, actual: number): Promise<SettleWrite> {
    try {
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: counterItemKey(key),
          UpdateExpression: "REMOVE #p.#r ADD #used :delta, #spent :actual, #res :neg",
          ConditionExpression: "#p.#r.a = :reserved",
          ExpressionAttributeNames: {
            "#p": "pending",
            "#r": requestId,
            "#used": "used",
            "#spent": "spent",
            "#res": "reserved",
          },
          ExpressionAttributeValues: {
            ":delta": num(actual - reserved),
            ":actual": num(actual),
            ":neg": num(-reserved),
            ":reserved": num(reserved),
          },
          ReturnValues: "UPDATED_NEW",
        }),
      );
      return { applied: true, spent: readNum(out.Attributes?.spent) };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      return { applied: false, spent: readNum((err.Item ?? (await this.getItem(key)))?.spent) };
    }
  }

  release(key: CounterKey, requestId: string, reserved: number): Promise<boolean> {
    return this.giveBack(key, requestId, reserved, "#p.#r.a = :cond", num(reserved));
  }

  reclaim(key: CounterKey, requestId: string, lease: PendingLease): Promise<boolean> {
    return this.giveBack(key, requestId, lease.amount, "#p.#r.x = :cond", num(lease.expiresAtMs));
  }

  async read(key: CounterKey): Promise<CounterState | undefined> {
    const item = await this.getItem(key);
    if (!item) return undefined;
    const pending = new Map<string, PendingLease>();
    for (const [rid, value] of Object.entries(item.pending?.M ?? {})) {
      pending.set(rid, { amount: readNum(value.M?.a), expiresAtMs: readNum(value.M?.x) });
    }
    return { used: readNum(item.used), spent: readNum(item.spent), reserved: readNum(item.reserved), pending };
  }

  private async giveBack(
    key: CounterKey,
    requestId: string,
    amount: number,
    condition: string,
    condValue: AttributeValue,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: counterItemKey(key),
          UpdateExpression: "REMOVE #p.#r ADD #used :neg, #res :neg",
          ConditionExpression: condition,
          ExpressionAttributeNames: { "#p": "pending", "#r": requestId, "#used": "used", "#res": "reserved" },
          ExpressionAttributeValues: { ":neg": num(-amount), ":cond": condValue },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  private async holds(key: CounterKey, requestId: string): Promise<boolean> {
    return (await this.getItem(key))?.pending?.M?.[requestId] !== undefined;
  }

  /** First write of a period: the `pending` map must exist before `SET pending.<id>` can work. */
  private async sendCreatingItem(command: UpdateItemCommand, key: CounterKey, meta: CounterMeta): Promise<void> {
    try {
      await this.client.send(command);
    } catch (err) {
      if (!isMissingDocumentPath(err)) throw err;
      await this.createItem(key, meta);
      await this.client.send(command);
    }
  }

  private async createItem(key: CounterKey, meta: CounterMeta): Promise<void> {
    const values: Record<string, AttributeValue> = {
      ":empty": { M: {} },
      ":zero": num(0),
      ":unit": { S: meta.unit },
      ":ps": num(meta.periodStartMs),
      ":g1": { S: meta.gsi1pk },
      ":g2": { S: meta.gsi1sk },
    };
    let set =
      "#p = if_not_exists(#p, :empty), #used = if_not_exists(#used, :zero), #spent = if_not_exists(#spent, :zero), " +
      "#res = if_not_exists(#res, :zero), #unit = :unit, #ps = :ps, gsi1pk = :g1, gsi1sk = :g2";
    const names: Record<string, string> = {
      "#p": "pending",
      "#used": "used",
      "#spent": "spent",
      "#res": "reserved",
      "#unit": "unit",
      "#ps": "periodStart",
    };
    if (meta.periodEndMs !== undefined) {
      set += ", #pe = :pe";
      names["#pe"] = "periodEnd";
      values[":pe"] = num(meta.periodEndMs);
    }
    if (meta.expiresAtSec !== undefined) {
      set += ", expiresAt = :exp";
      values[":exp"] = num(meta.expiresAtSec);
    }
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: counterItemKey(key),
        UpdateExpression: `SET ${set}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  private getItem(key: CounterKey): Promise<Record<string, AttributeValue> | undefined> {
    return readLiveCounter(this.client, this.tableName, key, this.now());
  }
}

function leaseValue(lease: PendingLease): AttributeValue {
  return { M: { a: num(lease.amount), x: num(lease.expiresAtMs) } };
}

function isMissingDocumentPath(err: unknown): boolean {
  return (
    err instanceof Error &&
    err.name === "ValidationException" &&
    err.message.includes("document path provided in the update expression is invalid")
  );
}
