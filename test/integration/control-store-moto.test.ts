import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoControlStore } from "../../shared/aws/dynamo-control-store";
import { ensureTable } from "../../shared/aws/dynamo-table";
import { runControlStoreContract } from "../contract/control-store-contract";
import { motoClientConfig } from "../support/aws-env";

runControlStoreContract({
  name: "DynamoDB adapter on moto_server",
  newStore: async (clock) => {
    const client = new DynamoDBClient(motoClientConfig());
    await ensureTable(client, "contract");
    return {
      store: new DynamoControlStore(client, { tableName: "contract", now: clock }),
      close: async () => client.destroy(),
    };
  },
});
