import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { ConflictError, NotFoundError } from "../core/errors";
import type { Page, PageRequest } from "../store/types";
import {
  decodeCursor,
  encodeCursor,
  GSI1,
  type ItemKey,
  keyFits,
  LAYOUT_ATTRIBUTES,
  partitionKeyFits,
} from "./dynamo-keys";

/** A stored item: layout keys plus the entity's own attributes. */
export type Item = Record<string, unknown>;

export interface ItemOpsOptions {
  readonly tableName: string;
  /** Epoch ms; injectable so tests can move time past `expiresAt`. */
  readonly now: () => number;
}

function isConditionFailure(err: unknown): boolean {
  return err instanceof Error && err.name === "ConditionalCheckFailedException";
}

/** Strips layout attributes, returning the entity's attributes. */
export function toEntity<T>(item: Item): T {
  const copy: Item = { ...item };
  for (const attribute of LAYOUT_ATTRIBUTES) delete copy[attribute];
  return copy as T;
}

/**
 * Single-item operations every entity uses: conditional create, optimistic replace, consistent get with the
 * `expiresAt` check, paginated queries. No transactions (dynalite has none).
 */
export class ItemOps {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly options: ItemOpsOptions,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
  }

  now(): number {
    return this.options.now();
  }

  private isLive(item: Item): boolean {
    const expiresAt = item.expiresAt;
    return typeof expiresAt !== "number" || expiresAt * 1000 > this.options.now();
  }

  async get(key: ItemKey): Promise<Item | undefined> {
    if (!keyFits(key)) return undefined; // DynamoDB would refuse the request (a 500); no such item can exist
    const out = await this.doc.send(
      new GetCommand({ TableName: this.options.tableName, Key: key, ConsistentRead: true }),
    );
    const item = out.Item;
    return item !== undefined && this.isLive(item) ? item : undefined;
  }

  /** Puts a new item; `ConflictError(what)` if the key is taken. */
  async create(item: Item, what: string): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: item,
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) throw new ConflictError(`${what} already exists.`, { code: "already_exists" });
      throw err;
    }
  }

  /** Puts a new item if absent; returns false (no error) if present. */
  async putIfAbsent(item: Item): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: item,
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  /** Replaces an item only if its stored `version` equals `expectedVersion`. */
  async replace(item: Item, expectedVersion: number, what: string): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: item,
          ConditionExpression: "attribute_exists(pk) AND #version = :expected",
          ExpressionAttributeNames: { "#version": "version" },
          ExpressionAttributeValues: { ":expected": expectedVersion },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const current = await this.get({ pk: String(item.pk), sk: String(item.sk) });
      if (current === undefined) throw new NotFoundError(`${what} not found.`);
      throw new ConflictError(
        `${what} was changed concurrently (expected version ${expectedVersion}, found ${String(current.version)}).`,
        { code: "version_conflict" },
      );
    }
  }

  async delete(key: ItemKey): Promise<void> {
    if (!keyFits(key)) return;
    await this.doc.send(new DeleteCommand({ TableName: this.options.tableName, Key: key }));
  }

  /** Items of one partition (base table), optionally under a sort-key prefix. */
  async queryPartition(pk: string, skPrefix: string, page: PageRequest): Promise<Page<Item>> {
    if (!keyFits({ pk, sk: skPrefix })) return { items: [] };
    const condition =
      skPrefix === ""
        ? { KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": pk } }
        : {
            KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues: { ":pk": pk, ":prefix": skPrefix },
          };
    return this.query({ ...condition, ConsistentRead: true }, decodeCursor(page.cursor, "pk", pk), page.limit);
  }

  /** Items of one GSI partition (eventually consistent). */
  async queryIndex(gsi1pk: string, page: PageRequest): Promise<Page<Item>> {
    if (!partitionKeyFits(gsi1pk)) return { items: [] };
    return this.query(
      {
        IndexName: GSI1,
        KeyConditionExpression: "gsi1pk = :pk",
        ExpressionAttributeValues: { ":pk": gsi1pk },
      },
      decodeCursor(page.cursor, "gsi1pk", gsi1pk),
      page.limit,
    );
  }

  private async query(
    input: Omit<QueryCommandInput, "TableName">,
    startKey: Record<string, string> | undefined,
    limit: number,
  ): Promise<Page<Item>> {
    const out = await this.doc.send(
      new QueryCommand({ ...input, TableName: this.options.tableName, Limit: limit, ExclusiveStartKey: startKey }),
    );
    const items = (out.Items ?? []).filter((item) => this.isLive(item));
    const nextCursor = encodeCursor(out.LastEvaluatedKey);
    return nextCursor === undefined ? { items } : { items, nextCursor };
  }
}
