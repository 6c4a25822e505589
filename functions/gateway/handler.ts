import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { FirehoseClient } from "@aws-sdk/client-firehose";
import { createAwsControlPlane } from "../../shared/aws/aws-control-plane";
import { createFirehoseSink, firehosePort } from "../../shared/aws/firehose-sink";
import { ENV, optionalEnv, requireEnv } from "../../shared/env";
import { createGatewayCore } from "../../shared/gateway/core";
import { createLoggingObserver } from "../../shared/gateway/log-observer";
import { createHostGuard } from "../../shared/http/host-guard";
import { createUndiciTransport } from "../../shared/http/upstream";
import { streamingLambda } from "../../shared/lambda/streaming-handler";
import { withRequestMetrics } from "../../shared/logging/metrics-sink";
import { createRequestLogger } from "../../shared/logging/record-builder";
import { defaultProviderRegistry } from "../../shared/providers/registry";

// Built once per cold start: logger, control-plane lookups (with their caches), the log sink, the provider
// registry, the SSRF guard and the pooled upstream client. Nothing here is rebuilt per request.
const logger = new Logger({ serviceName: "gateway" });
const hostGuard = createHostGuard(optionalEnv(ENV.customHostAllowlist));
const plane = createAwsControlPlane(process.env, { rootKey: "disabled" });
const logSink = withRequestMetrics(
  createFirehoseSink({
    port: firehosePort(new FirehoseClient({}), requireEnv(ENV.logStreamName)),
    onUndelivered: (failure) =>
      logger.error("request log rows not delivered to Firehose", { reason: failure.reason, rows: failure.rows.length }),
  }),
  new Metrics({ namespace: "AiGateway", serviceName: "gateway" }),
);
const core = createGatewayCore({
  providers: defaultProviderRegistry(),
  transport: createUndiciTransport({ guard: hostGuard }),
  hostGuard,
  authenticator: plane.authenticator,
  lookups: plane,
  logBodies: optionalEnv(ENV.logBodies) !== "false",
  observer: createLoggingObserver(createRequestLogger({ sink: logSink })),
  streamIdleTimeoutMs: 120_000,
});

// The invocation's log rows go to Firehose after the response stream has been fully sent.
export const handler = streamingLambda(core, { logger, afterResponse: () => logSink.flush() });
