import type { CacheDeps } from "../cache/cache-deps";
import type { Authenticator } from "../core/principal";
import { createGuardrails } from "../guardrails/guardrails";
import type { HostGuard } from "../http/host-guard";
import type { CoreHandler } from "../http/types";
import { createUndiciTransport, type UpstreamTransport } from "../http/upstream";
import type { RequestLimits } from "../limits/request-limits";
import type { LogSink } from "../logging/log-sink";
import type { RequestObserver, RequestSummary } from "../logging/request-summary";
import type { PromptSource } from "../prompts/prompt-resolver";
import { defaultProviderRegistry } from "../providers/registry";
import type { ResponseStore } from "../store/response-store";
import type { Telemetry } from "../telemetry/telemetry";
import { type BackgroundWork, trackBackgroundWork } from "./background-work";
import { DEFAULT_STREAM_IDLE_TIMEOUT_MS, type GatewayBounds } from "./bounds";
import { createGatewayCore } from "./core";
import { createLoggingObserver } from "./log-observer";
import type { WorkspaceLookups } from "./workspace-resolution";

/**
 * What differs per platform (the Lambda handler, the local runtime): the clients behind the ports, the log sink,
 * the SSRF guard's allowlist and own hosts, and settings from the environment. Everything else is assembled here.
 */
export interface GatewayPlatform {
  /** Gateway-key authentication, the workspace's virtual keys and saved configs, and saved prompts. */
  readonly controlPlane: WorkspaceLookups & { readonly authenticator: Authenticator; readonly prompts: PromptSource };
  /** Budgets, rate limits and the response cache (DynamoDB in AWS, dynalite locally). */
  readonly guards: { readonly limits: RequestLimits; readonly cache: CacheDeps; readonly responses?: ResponseStore };
  readonly hostGuard: HostGuard;
  /** Where request log records go (Firehose in AWS, NDJSON files locally). */
  readonly logSink: LogSink;
  /** Body logging default (`LOG_BODIES`); `x-portkey-debug: false` turns it off per request. */
  readonly logBodies: boolean;
  /** Work after the response that failed (budget settlement, cache writes, log records). */
  readonly onBackgroundError: (err: unknown) => void;
  /** Default DEFAULT_STREAM_IDLE_TIMEOUT_MS. */
  readonly streamIdleTimeoutMs?: number;
  /** Request timeout and upstream body caps; default DEFAULT_GATEWAY_BOUNDS. */
  readonly bounds?: Partial<GatewayBounds>;
  /** Told of every finished request after its log record (tests). */
  readonly observer?: RequestObserver;
  /** OpenTelemetry (shared/telemetry), when `OTEL_*` variables turn it on: its observer sees every summary. */
  readonly telemetry?: Telemetry;
}

export interface AssembledGateway {
  /** The data plane, prompt endpoints included. */
  readonly core: CoreHandler;
  /** Work after the response: the Lambda adapter waits for it after the stream, the local runtime before closing. */
  readonly background: BackgroundWork;
  /** The pooled upstream client (closed on shutdown). */
  readonly transport: UpstreamTransport;
}

/**
 * The one assembly of the data plane, used by the Lambda handler and the local runtime alike: providers, the
 * SSRF-guarded upstream transport, authentication, lookups, limits, cache, guardrails, prompts, the log observer
 * and the work after the response. Called once per process.
 */
export function assembleGateway(platform: GatewayPlatform): AssembledGateway {
  const { controlPlane, guards, hostGuard } = platform;
  const transport = createUndiciTransport({ guard: hostGuard });
  const background = trackBackgroundWork(platform.onBackgroundError);
  const observers = [createLoggingObserver({ sink: platform.logSink })];
  if (platform.telemetry) observers.push(platform.telemetry.observer);
  if (platform.observer) observers.push(platform.observer);
  const core = createGatewayCore({
    providers: defaultProviderRegistry(),
    transport,
    hostGuard,
    authenticator: controlPlane.authenticator,
    lookups: controlPlane,
    prompts: controlPlane.prompts,
    limits: guards.limits,
    cache: guards.cache,
    responses: guards.responses,
    guardrails: createGuardrails(),
    background: background.run,
    logBodies: platform.logBodies,
    observer: observers.length === 1 ? (observers[0] as RequestObserver) : allObservers(observers),
    tracing: platform.telemetry?.tracing,
    streamIdleTimeoutMs: platform.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS,
    bounds: platform.bounds,
  });
  return { core, background, transport };
}

function allObservers(observers: readonly RequestObserver[]): RequestObserver {
  return {
    finish(summary: RequestSummary): void {
      for (const observer of observers) observer.finish(summary);
    },
  };
}
