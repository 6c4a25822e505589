import { fileURLToPath } from "node:url";
import { Logger } from "@aws-lambda-powertools/logger";
import { AthenaClient } from "@aws-sdk/client-athena";
import { createAnalyticsCore } from "../../shared/analytics/analytics-core";
import { createAthenaEngine } from "../../shared/aws/athena-engine";
import { createAwsControlPlane } from "../../shared/aws/aws-control-plane";
import { createFirehoseSink, firehosePort } from "../../shared/aws/firehose-sink";
import { ENV, requireEnv } from "../../shared/core/env";
import { loadDashboardAssets } from "../../shared/dashboard/assets";
import { bufferedLambda } from "../../shared/lambda/buffered-handler";

// Built once per cold start: clients, the authenticator (with its caches) and the analytics core.
// The dashboard's files sit next to this bundle (the stack copies them in; docs/dashboard.md).
const dashboard = loadDashboardAssets(fileURLToPath(new URL("./dashboard/", import.meta.url)));
const logger = new Logger({ serviceName: "analytics" });
const plane = createAwsControlPlane(process.env, {
  logger: { error: (message, details) => logger.error(message, { details }) },
});
const feedbackSink = createFirehoseSink({
  port: firehosePort(requireEnv(ENV.logStreamName)),
  onUndelivered: (failure) =>
    logger.error("feedback rows not delivered to Firehose", { reason: failure.reason, rows: failure.rows.length }),
});
const core = createAnalyticsCore({
  authenticator: plane.authenticator,
  engine: createAthenaEngine({
    client: new AthenaClient({}),
    workGroup: requireEnv(ENV.athenaWorkgroup),
    database: requireEnv(ENV.glueDatabase),
    table: requireEnv(ENV.glueTable),
  }),
  feedbackSink,
  dashboard: () => dashboard,
});

export const handler = bufferedLambda(core, { logger, afterResponse: () => feedbackSink.flush() });
