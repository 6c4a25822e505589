import type { ErrorBody } from "../core/errors";
import type { LimitsOutcome } from "../limits/request-limits";
import type { UsageAnomaly } from "../limits/usage-bounds";
import type { Endpoint, Usage } from "../providers/types";
import type { GuardrailRecord } from "./record";
import type { RequestTrace } from "./trace-context";

/** One attempt as the log record lists it. */
export interface AttemptSummary {
  readonly provider: string;
  /** The model the attempt asked for (after `override_params`). */
  readonly model?: string;
  /** Config target path, e.g. `config.targets[1]` (config requests only). */
  readonly target?: string;
  readonly status: number;
  readonly latencyMs: number;
  readonly error?: string;
  /** When the attempt started, in ms after the request's start (trace spans). */
  readonly startOffsetMs?: number;
  /** The attempt's span id, sent upstream in `traceparent` (OpenTelemetry on). */
  readonly spanId?: string;
}

/** What became of the budget reservation; present only when a budget (usage limit) applied to the request. */
export type BudgetSummary =
  | { readonly outcome: "settled"; readonly result: LimitsOutcome }
  | { readonly outcome: "released" | "failed" };

/** Everything the gateway knows about one client request when it is over (stream ended, or answered). */
export interface RequestSummary {
  readonly traceId: string;
  /** The W3C trace context (a client `traceparent`, or OpenTelemetry on); not the log's `trace_id`. */
  readonly trace?: RequestTrace;
  readonly startedAt: number;
  /** HTTP method of the request (`GET` for `/v1/models`). */
  readonly method: string;
  readonly endpoint: Endpoint | "unknown";
  readonly workspaceId?: string;
  readonly apiKeyId?: string;
  /** Prompt completions: the saved prompt and the version that was rendered (what A/B splits compare). */
  readonly promptId?: string;
  readonly promptVersion?: number;
  /** Saved config id (or slug) the request ran under, when it named one or the key has a default. */
  readonly configId?: string;
  /** Virtual key slug from `x-portkey-virtual-key` or `@slug/model`. */
  readonly virtualKey?: string;
  /** Top-level strategy mode of the routing config (`single`, `fallback`, ...); absent without a config. */
  readonly strategy?: string;
  readonly provider?: string;
  readonly modelRequested?: string;
  readonly modelServed?: string;
  readonly stream: boolean;
  readonly status: number;
  readonly error?: ErrorBody;
  readonly attempts: readonly AttemptSummary[];
  readonly usage?: Usage;
  readonly latencyMs: number;
  readonly ttftMs?: number;
  readonly metadata: Readonly<Record<string, string>>;
  readonly clientAborted: boolean;
  /** Whether bodies may be logged (workspace setting and `x-portkey-debug`). */
  readonly logBodies: boolean;
  /** The OpenAI `user` field, when sent. */
  readonly user?: string;
  readonly retryCount?: number;
  /** The config target that answered, e.g. `config.targets[1]` (config requests only). */
  readonly lastUsedOptionIndex?: string;
  /** `x-portkey-cache-status` of the request (undefined when no cache applied). */
  readonly cacheStatus?: "HIT" | "SEMANTIC HIT" | "MISS" | "SEMANTIC MISS" | "REFRESH" | "DISABLED";
  /** The answer came from a concurrent identical request's upstream call (coalesced miss): no tokens, no cost. */
  readonly sharedAnswer?: boolean;
  /** The budget reservation (upper bound) taken before the upstream call, in USD. */
  readonly budgetReservedUsd?: number;
  /** The settle (or release) of that reservation, once it is done. */
  readonly budget?: BudgetSummary;
  /** Why an attempt's reported usage was not billed as reported (clamped, or bounded for a client-chosen host). */
  readonly usageAnomaly?: UsageAnomaly;
  /** Guardrail hooks evaluated for the request (every target tried), with what the gateway did about them. */
  readonly guardrails?: readonly GuardrailRecord[];
  readonly requestBody?: Buffer;
  /** Provider credentials the request used: never logged, whatever an upstream echoes. */
  readonly secrets?: readonly string[];
  readonly responseBody?: Buffer | string;
  /** Bytes of the client's request body. */
  readonly requestBytes?: number;
  /** Bytes of the answer's body the client was sent (a stream: as far as it got). */
  readonly responseBytes?: number;
}

/** Port: told exactly once per client request. Must not throw and must not block. */
export interface RequestObserver {
  finish(summary: RequestSummary): void;
}
