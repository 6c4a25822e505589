import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { TableControlStore } from "../store/table-control-store";
import { DynamoItemTable } from "./dynamo-item-table";

export interface DynamoControlStoreOptions {
  readonly tableName: string;
  /** Epoch ms clock; defaults to `Date.now`. */
  readonly now?: () => number;
}

/** The `ControlStore` on one DynamoDB table (any endpoint: AWS, moto_server, dynalite). Layout: entity-kinds.ts. */
export class DynamoControlStore extends TableControlStore {
  constructor(client: DynamoDBClient, options: DynamoControlStoreOptions) {
    const now = options.now ?? Date.now;
    super(new DynamoItemTable(client, { tableName: options.tableName, now }), now);
  }
}
