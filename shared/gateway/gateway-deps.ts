import type { CacheDeps } from "../cache/cache-deps";
import type { Authenticator } from "../core/principal";
import type { Guardrails } from "../guardrails/guardrails";
import type { HostGuard } from "../http/host-guard";
import type { UpstreamTransport } from "../http/upstream";
import type { RequestLimits } from "../limits/request-limits";
import type { RequestObserver } from "../logging/request-summary";
import type { PromptSource } from "../prompts/prompt-resolver";
import type { ProviderRegistry } from "../providers/registry";
import type { ConfigSource } from "../routing/plan-resolver";
import type { ResponseStore } from "../store/response-store";
import type { GatewayBounds } from "./bounds";
import type { RoutingOptions } from "./routing-options";
import type { WorkspaceLookups } from "./workspace-resolution";

export interface GatewayDeps {
  readonly providers: ProviderRegistry;
  readonly transport: UpstreamTransport;
  readonly hostGuard: HostGuard;
  readonly observer?: RequestObserver;
  /** OpenTelemetry is on: requests get spans (the observer exports them) and upstreams our span as parent. */
  readonly tracing?: boolean;
  /** Milliseconds without a streamed chunk before a stream is failed with an SSE error event. */
  readonly streamIdleTimeoutMs: number;
  /** Request timeout and body caps; see DEFAULT_GATEWAY_BOUNDS. */
  readonly bounds?: Partial<GatewayBounds>;
  /**
   * Authenticates every request (gateway key with the `completions` scope). Absent only in tests and benches
   * that exercise routing alone; then requests run in the workspace "anonymous" without virtual keys.
   */
  readonly authenticator?: Authenticator;
  /** Virtual keys and saved configs of the caller's workspace (control plane). */
  readonly lookups?: WorkspaceLookups;
  /** Default for body logging (`LOG_BODIES`); `x-portkey-debug: false` turns it off per request. */
  readonly logBodies?: boolean;
  /** Budgets and rate limits (usage_limits / rate_limits of API keys and virtual keys). */
  readonly limits?: RequestLimits;
  /** Response cache (simple and semantic) with in-process coalescing of identical misses. */
  readonly cache?: CacheDeps;
  /** Saved prompts for `POST /v1/prompts/{id}/render|completions` (with `authenticator`); absent: those are 404. */
  readonly prompts?: PromptSource;
  /** Conversation state of `/v1/responses` on chat-layer providers (docs/responses.md); absent: none is kept. */
  readonly responses?: ResponseStore;
  /** Guardrails (config `before_request_hooks` / `after_request_hooks`); absent: hooks in configs are not run. */
  readonly guardrails?: Guardrails;
  /**
   * Work that must finish before the invocation ends but not before the response (budget settlement, cache
   * writes). The Lambda adapter awaits it after the stream; default: run it, report failures to `onBackgroundError`.
   */
  readonly background?: (work: Promise<unknown>) => void;
  readonly onBackgroundError?: (err: unknown) => void;
  /** Saved configs without a control plane (tests); `lookups` provides them otherwise. */
  readonly configSource?: ConfigSource;
  /** Retry timing, randomness and plan cache size; see DEFAULT_ROUTING_OPTIONS. */
  readonly routing?: Partial<RoutingOptions>;
}
