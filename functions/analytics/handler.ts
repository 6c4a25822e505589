import { Logger } from "@aws-lambda-powertools/logger";
import { createHealthCore } from "../../shared/http/health-core";
import { bufferedLambda } from "../../shared/lambda/buffered-handler";

const logger = new Logger({ serviceName: "analytics" });
const core = createHealthCore("analytics", "/v1/analytics/health");

export const handler = bufferedLambda(core, { logger });
