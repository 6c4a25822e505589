import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoControlStore } from "../../shared/aws/dynamo-control-store";
import { ensureTable } from "../../shared/aws/dynamo-table";
import { startLocalDynamo } from "../../shared/store/local-dynamo";
import { runControlStoreContract } from "../contract/control-store-contract";

runControlStoreContract({
  name: "DynamoDB adapter on dynalite (in-process, in-memory)",
  newStore: async (clock) => {
    const dynamo = await startLocalDynamo();
    const client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    await ensureTable(client, "contract");
    return {
      store: new DynamoControlStore(client, { tableName: "contract", now: clock }),
      close: async () => {
        client.destroy();
        await dynamo.close();
      },
    };
  },
});
