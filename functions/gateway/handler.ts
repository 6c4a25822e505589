import { Logger } from "@aws-lambda-powertools/logger";
import { ENV, optionalEnv } from "../../shared/env";
import { createGatewayCore } from "../../shared/gateway/core";
import { createHostGuard } from "../../shared/http/host-guard";
import { createUndiciTransport } from "../../shared/http/upstream";
import { streamingLambda } from "../../shared/lambda/streaming-handler";
import { defaultProviderRegistry } from "../../shared/providers/registry";

// Built once per cold start: logger, provider registry, SSRF guard and the pooled upstream client.
const logger = new Logger({ serviceName: "gateway" });
const hostGuard = createHostGuard(optionalEnv(ENV.customHostAllowlist));
const core = createGatewayCore({
  providers: defaultProviderRegistry(),
  transport: createUndiciTransport({ guard: hostGuard }),
  hostGuard,
  streamIdleTimeoutMs: 120_000,
});

export const handler = streamingLambda(core, { logger });
