import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createAwsControlPlane } from "../../shared/aws/aws-control-plane";
import { createDynamoGuards } from "../../shared/aws/dynamo-guards";
import { ENV, requireEnv } from "../../shared/core/env";
import { bufferedLambda } from "../../shared/lambda/buffered-handler";
import { validateRoutingConfig } from "../../shared/routing/validate-config";

// Built once per cold start: clients, caches and the admin core.
const logger = new Logger({ serviceName: "admin" });
const plane = createAwsControlPlane(process.env, {
  validateConfig: validateRoutingConfig,
  usage: createDynamoGuards(new DynamoDBClient({}), requireEnv(ENV.tableName)).ledger,
  logger: { error: (message, details) => logger.error(message, { details }) },
});

export const handler = bufferedLambda(plane.adminCore, { logger });
