import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { FirehoseClient } from "@aws-sdk/client-firehose";
import { createAwsControlPlane } from "../../shared/aws/aws-control-plane";
import { createDynamoGuards } from "../../shared/aws/dynamo-guards";
import { createFirehoseSink, firehosePort } from "../../shared/aws/firehose-sink";
import { ENV, optionalEnv, requireEnv } from "../../shared/core/env";
import { trackBackgroundWork } from "../../shared/gateway/background-work";
import { DEFAULT_STREAM_IDLE_TIMEOUT_MS } from "../../shared/gateway/bounds";
import { createGatewayCore } from "../../shared/gateway/core";
import { createLoggingObserver } from "../../shared/gateway/log-observer";
import { createGuardrails } from "../../shared/guardrails/guardrails";
import { createHostGuard } from "../../shared/http/host-guard";
import { createUndiciTransport } from "../../shared/http/upstream";
import { streamingLambda } from "../../shared/lambda/streaming-handler";
import { withRequestMetrics } from "../../shared/logging/metrics-sink";
import { withPrompts } from "../../shared/prompts/with-prompts";
import { defaultProviderRegistry } from "../../shared/providers/registry";

// Built once per cold start: logger, control-plane lookups (with their caches), the log sink, the provider
// registry, the SSRF guard and the pooled upstream client. Nothing here is rebuilt per request.
const logger = new Logger({ serviceName: "gateway" });
// The API's own host names (from infra, and each domain the API is called on) are never an upstream; they also
// seed the hop mark every instance of this deployment shares (a request that loops back is answered 508).
const selfHosts = optionalEnv(ENV.selfHosts);
const hostGuard = createHostGuard(optionalEnv(ENV.customHostAllowlist), { hopSeed: selfHosts });
for (const host of (selfHosts ?? "").split(",")) if (host.trim()) hostGuard.denyOwn({ host: host.trim() });
const plane = createAwsControlPlane(process.env, { rootKey: "disabled" });
const logSink = withRequestMetrics(
  createFirehoseSink({
    port: firehosePort(new FirehoseClient({}), requireEnv(ENV.logStreamName)),
    onUndelivered: (failure) =>
      logger.error("request log rows not delivered to Firehose", { reason: failure.reason, rows: failure.rows.length }),
  }),
  new Metrics({ namespace: "AiGateway", serviceName: "gateway" }),
);
const guards = createDynamoGuards(new DynamoDBClient({}), requireEnv(ENV.tableName));
// Budget settlements and cache writes run after the response; the invocation waits for them before it ends.
const background = trackBackgroundWork((err) => logger.error("post-response work failed", { error: err as Error }));
const core = createGatewayCore({
  providers: defaultProviderRegistry(),
  transport: createUndiciTransport({ guard: hostGuard }),
  hostGuard,
  authenticator: plane.authenticator,
  lookups: plane,
  limits: guards.limits,
  cache: guards.cache,
  guardrails: createGuardrails(),
  background: background.run,
  logBodies: optionalEnv(ENV.logBodies) !== "false",
  observer: createLoggingObserver({ sink: logSink }),
  streamIdleTimeoutMs: DEFAULT_STREAM_IDLE_TIMEOUT_MS,
});

// After the response stream has been fully sent: settle budgets, write caches, then ship the log rows to Firehose.
export const handler = streamingLambda(withPrompts(core, plane), {
  logger,
  onEvent: (event) => {
    const domain = event.requestContext?.domainName;
    if (domain) hostGuard.denyOwn({ host: domain });
  },
  afterResponse: async () => {
    await background.drain();
    await logSink.flush();
  },
});
