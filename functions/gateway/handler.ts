import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createAwsLookups } from "../../shared/aws/aws-lookups";
import { createDynamoGuards } from "../../shared/aws/dynamo-guards";
import { createFirehoseSink, firehosePort } from "../../shared/aws/firehose-sink";
import { ENV, optionalEnv, requireEnv } from "../../shared/core/env";
import { assembleGateway } from "../../shared/gateway/assemble";
import { createHostGuard } from "../../shared/http/host-guard";
import { streamingLambda } from "../../shared/lambda/streaming-handler";
import { withRequestMetrics } from "../../shared/logging/metrics-sink";
import { responsesTtlSeconds } from "../../shared/store/response-store";
import { telemetrySettings } from "../../shared/telemetry/otel-settings";
import { createTelemetry } from "../../shared/telemetry/telemetry";

/** Longest wait for the OTLP export at the end of an invocation (after the response has been sent). */
const TELEMETRY_FLUSH_MS = 2_000;

// Built once per cold start: what differs on Lambda (AWS clients, the Firehose log sink, the environment); the
// data plane itself is assembled by assembleGateway, as for the local runtime. Nothing here is rebuilt per request.
const logger = new Logger({ serviceName: "gateway" });
// The API's own host names (from infra, and each domain the API is called on) are never an upstream; they also
// seed the hop mark every instance of this deployment shares (a request that loops back is answered 508).
const selfHosts = optionalEnv(ENV.selfHosts);
const hostGuard = createHostGuard(optionalEnv(ENV.customHostAllowlist), { hopSeed: selfHosts });
for (const host of (selfHosts ?? "").split(",")) if (host.trim()) hostGuard.denyOwn({ host: host.trim() });
const logSink = withRequestMetrics(
  createFirehoseSink({
    port: firehosePort(requireEnv(ENV.logStreamName)), // the Firehose client is created at the first flush
    onUndelivered: (failure) =>
      logger.error("request log rows not delivered to Firehose", { reason: failure.reason, rows: failure.rows.length }),
  }),
  // Powertools Metrics loads with the first flush, after the first answer (ADR 0044)
  async () =>
    new (await import("@aws-lambda-powertools/metrics")).Metrics({ namespace: "AiGateway", serviceName: "gateway" }),
);
// OpenTelemetry only when OTEL_EXPORTER_OTLP_* is set; its SDK is imported after the first answer (ADR 0035).
const otel = telemetrySettings();
const telemetry = otel
  ? createTelemetry({ ...otel, prometheus: false }, (err) =>
      logger.warn("OpenTelemetry export failed", { error: err as Error }),
    )
  : undefined;
const gateway = assembleGateway({
  controlPlane: createAwsLookups(process.env),
  guards: createDynamoGuards(new DynamoDBClient({}), requireEnv(ENV.tableName), {
    responsesTtlSeconds: responsesTtlSeconds(),
  }),
  hostGuard,
  logSink,
  logBodies: optionalEnv(ENV.logBodies) !== "false",
  onBackgroundError: (err) => logger.error("post-response work failed", { error: err as Error }),
  telemetry,
});

// After the response stream has been fully sent: settle budgets, write caches, then ship the log rows to Firehose
// and the spans to the OTLP endpoint (bounded).
export const handler = streamingLambda(gateway.core, {
  logger,
  onEvent: (event) => {
    const domain = event.requestContext?.domainName;
    if (domain) hostGuard.denyOwn({ host: domain });
  },
  afterResponse: async () => {
    await gateway.background.drain();
    await Promise.all([logSink.flush(), telemetry?.flush(TELEMETRY_FLUSH_MS)]);
  },
});
