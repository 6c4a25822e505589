import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
} from "@aws-sdk/client-dynamodb";
import { GSI1 } from "../store/item-table";

/**
 * Creates the control-plane table if it is missing (local runtime and tests; in AWS the CDK stack owns it). The
 * layout is the stack's: `pk`/`sk` strings, GSI `gsi1` on `gsi1pk`/`gsi1sk` projecting ALL, on-demand billing.
 * TTL (`expiresAt`) is not enabled here: dynalite lacks `UpdateTimeToLive`, and reads check `expiresAt` anyway.
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    const described = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (described.Table?.TableStatus === "ACTIVE") return;
  } catch (err) {
    if (
      !(err instanceof ResourceNotFoundException) &&
      !(err instanceof Error && err.name === "ResourceNotFoundException")
    )
      throw err;
    await createTable(client, tableName);
  }
  await waitUntilActive(client, tableName);
}

async function createTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [
          { AttributeName: "pk", AttributeType: "S" },
          { AttributeName: "sk", AttributeType: "S" },
          { AttributeName: "gsi1pk", AttributeType: "S" },
          { AttributeName: "gsi1sk", AttributeType: "S" },
        ],
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: GSI1,
            KeySchema: [
              { AttributeName: "gsi1pk", KeyType: "HASH" },
              { AttributeName: "gsi1sk", KeyType: "RANGE" },
            ],
            Projection: { ProjectionType: "ALL" },
          },
        ],
      }),
    );
  } catch (err) {
    // Another process created it first: fine, wait for it below.
    if (!(err instanceof Error && err.name === "ResourceInUseException")) throw err;
  }
}

async function waitUntilActive(client: DynamoDBClient, tableName: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const described = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesReady = (described.Table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === "ACTIVE");
    if (described.Table?.TableStatus === "ACTIVE" && indexesReady) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`DynamoDB table ${tableName} did not become ACTIVE within 30 s.`);
}
