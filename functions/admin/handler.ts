import { Logger } from "@aws-lambda-powertools/logger";
import { createAwsControlPlane } from "../../shared/aws/aws-control-plane";
import { bufferedLambda } from "../../shared/lambda/buffered-handler";
import { validateRoutingConfig } from "../../shared/routing/validate-config";

// Built once per cold start: clients, caches and the admin core.
const logger = new Logger({ serviceName: "admin" });
const plane = createAwsControlPlane(process.env, {
  validateConfig: validateRoutingConfig,
  logger: { error: (message, details) => logger.error(message, { details }) },
});

export const handler = bufferedLambda(plane.adminCore, { logger });
