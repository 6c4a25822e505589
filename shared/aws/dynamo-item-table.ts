import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import {
  decodeCursor,
  encodeCursor,
  GSI1,
  type Item,
  type ItemKey,
  type ItemTable,
  isLive,
  keyFits,
  partitionKeyFits,
} from "../store/item-table";
import type { Page, PageRequest } from "../store/types";

export interface DynamoItemTableOptions {
  readonly tableName: string;
  /** Epoch ms; injectable so tests can move time past `expiresAt`. */
  readonly now: () => number;
}

function isConditionFailure(err: unknown): boolean {
  return err instanceof Error && err.name === "ConditionalCheckFailedException";
}

/** The `ItemTable` on DynamoDB: single-item conditional writes, consistent gets, paginated queries. */
export class DynamoItemTable implements ItemTable {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly options: DynamoItemTableOptions,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
  }

  async get(key: ItemKey): Promise<Item | undefined> {
    if (!keyFits(key)) return undefined; // DynamoDB would refuse the request (a 500); no such item can exist
    const out = await this.doc.send(
      new GetCommand({ TableName: this.options.tableName, Key: key, ConsistentRead: true }),
    );
    const item = out.Item;
    return item !== undefined && isLive(item, this.options.now()) ? item : undefined;
  }

  async putIfAbsent(item: Item): Promise<boolean> {
    return this.conditionalPut({ Item: item, ConditionExpression: "attribute_not_exists(pk)" });
  }

  async putIfVersion(item: Item, expectedVersion: number): Promise<boolean> {
    return this.conditionalPut({
      Item: item,
      ConditionExpression: "attribute_exists(pk) AND #version = :expected",
      ExpressionAttributeNames: { "#version": "version" },
      ExpressionAttributeValues: { ":expected": expectedVersion },
    });
  }

  async delete(key: ItemKey): Promise<void> {
    if (!keyFits(key)) return;
    await this.doc.send(new DeleteCommand({ TableName: this.options.tableName, Key: key }));
  }

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

  private async conditionalPut(
    input: Pick<
      ConstructorParameters<typeof PutCommand>[0],
      "Item" | "ConditionExpression" | "ExpressionAttributeNames" | "ExpressionAttributeValues"
    >,
  ): Promise<boolean> {
    try {
      await this.doc.send(new PutCommand({ ...input, TableName: this.options.tableName }));
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  private async query(
    input: Omit<QueryCommandInput, "TableName">,
    startKey: Record<string, string> | undefined,
    limit: number,
  ): Promise<Page<Item>> {
    const out = await this.doc.send(
      new QueryCommand({ ...input, TableName: this.options.tableName, Limit: limit, ExclusiveStartKey: startKey }),
    );
    const now = this.options.now();
    const items = (out.Items ?? []).filter((item) => isLive(item, now));
    const nextCursor = encodeCursor(out.LastEvaluatedKey);
    return nextCursor === undefined ? { items } : { items, nextCursor };
  }
}
