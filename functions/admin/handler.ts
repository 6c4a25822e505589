import { Logger } from "@aws-lambda-powertools/logger";
import { createAwsControlPlane } from "../../shared/aws/aws-control-plane";
import { bufferedLambda } from "../../shared/lambda/buffered-handler";

// Built once per cold start: clients, caches and the admin core.
const logger = new Logger({ serviceName: "admin" });
const plane = createAwsControlPlane(process.env, {
  logger: { error: (message, details) => logger.error(message, { details }) },
});

export const handler = bufferedLambda(plane.adminCore, { logger });
