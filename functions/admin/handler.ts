import { Logger } from "@aws-lambda-powertools/logger";
import { createHealthCore } from "../../shared/http/health-core";
import { bufferedLambda } from "../../shared/lambda/buffered-handler";

const logger = new Logger({ serviceName: "admin" });
const core = createHealthCore("admin", "/v1/admin/health");

export const handler = bufferedLambda(core, { logger });
