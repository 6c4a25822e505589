import type { CacheStatus } from "../cache/cache-types";
import type { Principal } from "../core/principal";
import type { GuardrailRun } from "../guardrails/guardrails";
import type { CoreRequest, CoreResponse } from "../http/types";
import { microsToUsd } from "../limits/pricing";
import type { Admission, BilledAttempt } from "../limits/request-limits";
import { boundUntrustedUsage, sanitizeUsage, type UsageAnomaly } from "../limits/usage-bounds";
import { bodyLoggingEnabled } from "../logging/record-builder";
import type { AttemptSummary, BudgetSummary, RequestSummary } from "../logging/request-summary";
import { type RequestTrace, requestTrace } from "../logging/trace-context";
import type { ProviderTarget, Usage } from "../providers/types";
import type { RouteOutcome } from "../routing/executor";
import { type CompiledPlan, HEADER_ONLY_PLAN } from "../routing/plan";
import type { CachedAttemptResult } from "./attempt";
import type { EndpointRoute } from "./endpoints";
import type { VirtualKeyResolver } from "./leaf-target";
import type { PortkeyHeaders } from "./portkey-headers";

function byteLength(body: Buffer | string | undefined): number | undefined {
  return body === undefined ? undefined : typeof body === "string" ? Buffer.byteLength(body) : body.length;
}

/** Stream bytes kept for the request log (the log caps bodies at 32 KiB; a little slack for redaction). */
const STREAM_LOG_LIMIT = 40 * 1024;

/** What the request's end tells the steps: the summary's fields known only then (status, usage, error ...). */
/** A prompt completion's call, for targets that name their own prompt (`prompt_id` in a config). */
export interface PromptCall {
  /** Renders `<id>[@version|@label]` of the caller's workspace with the call's variables and overrides. */
  render(reference: string): Promise<RenderedPrompt>;
}

export interface RenderedPrompt {
  /** The chat completion body. */
  readonly body: Record<string, unknown>;
  readonly id: string;
  readonly version: number;
  /** The prompt's virtual key, which a target with only `prompt_id` runs on. */
  readonly virtualKey?: string;
}

export type RequestEnd = Partial<RequestSummary> & Pick<RequestSummary, "status">;

/**
 * One request-level step (docs/architecture.md, "One request through the gateway"; ADR 0025). Steps are objects
 * built once per process; the per-request state they share lives on the `RequestRun` they are handed.
 *
 * - `before`, in list order: reads and sets the run's state. Returning a response answers the request there (the
 *   later steps and the plan do not run); throwing a `GatewayError` answers it with that error.
 * - `after`, in reverse order, for every step whose `before` was entered (the one that answered or threw included):
 *   sees the response about to be sent, answer or error, and returns it (e.g. with headers added). Never throws.
 * - `finish`, in reverse order, for the same steps, once the request is over (the answer built, a stream ended, an
 *   error answered): work after the answer such as settling the budget or writing the log. Never throws, never
 *   blocks: slow work goes to the core's background.
 */
export interface RequestStep {
  readonly name: string;
  before?(run: RequestRun): Promise<CoreResponse | undefined> | CoreResponse | undefined;
  after?(run: RequestRun, res: CoreResponse): CoreResponse;
  finish?(run: RequestRun, end: RequestEnd): void;
}

/** What every request of one core shares, built once in `createGatewayCore`. */
export interface GatewayShared {
  /** The request-level steps, in order (shared/gateway/steps/order.ts). */
  readonly steps: readonly RequestStep[];
  /** Deployment default for body logging (`LOG_BODIES`). */
  readonly logBodies: boolean | undefined;
  /** OpenTelemetry is on: every request gets a span id (and a trace when the client sent none). */
  readonly tracing?: boolean;
}

/**
 * One client request's state through the data plane. The steps (shared/gateway/steps/) and the leaf runner read
 * and set its fields; the fields say which step sets them. `summary()` turns it into the one `RequestSummary` the
 * log receives.
 */
export class RequestRun {
  readonly startedAt = Date.now();
  readonly started = performance.now();
  readonly attempts: AttemptSummary[] = [];
  readonly billed: BilledAttempt[] = [];
  /** How many steps were entered (their `before` called): their `after` and `finish` hooks run. */
  entered = 0;
  /** Deployment and request (`x-portkey-debug`) at first; the workspace's `log_bodies` once authenticated. */
  logBodies: boolean;
  traceId: string;
  /** W3C trace context: a valid client `traceparent`, or our own when OpenTelemetry is on */
  readonly trace: RequestTrace | undefined;
  /** route step: the endpoint table's row, and the values of its `{name}` path segments */
  route: EndpointRoute | undefined;
  routeParams: Readonly<Record<string, string>> = {};
  /** authenticate step (or the prompts step, for prompt calls) */
  principal: Principal | undefined;
  /** parse step: the `x-portkey-*` headers, the JSON body, the workspace's virtual keys, an `@slug/model` split */
  headers: PortkeyHeaders | undefined;
  body: Record<string, unknown> = {};
  virtualKeys: VirtualKeyResolver | undefined;
  modelSlug: string | undefined;
  modelRewritten = false;
  /** plan step */
  plan: CompiledPlan = HEADER_ONLY_PLAN;
  fromConfig = false;
  /** The plan came from a saved config (its custom hosts were stored by an admin). */
  savedPlan = false;
  configId: string | undefined;
  strategy: string | undefined;
  /** Provider credentials the request's targets used: the request log redacts any echo of them. */
  private readonly credentials = new Set<string>();
  /** limits step: the budget reservation, the rate-limit headers, and the settle's outcome for the log */
  admission: Admission | undefined;
  limitHeaders: Readonly<Record<string, string>> | undefined;
  budget: Promise<BudgetSummary> | undefined;
  /** prompts step (a leaf with `prompt_id` replaces it): the prompt and version that answered, for the log */
  prompt: { readonly id: string; readonly version: number } | undefined;
  /** prompts step: renders another prompt of the workspace with this call's variables (config `prompt_id`) */
  promptCall: PromptCall | undefined;
  /** guardrails step (per target): every hook evaluated for the request, started at the first target with hooks */
  guardrails: GuardrailRun | undefined;
  /** guardrails step: the body a before-request hook transformed (redacted): logged instead of the client's */
  loggedRequestBody: Buffer | undefined;
  /** cache step (per target): `x-portkey-cache-status`, a coalesced answer, why a lookup fell back to a MISS */
  cacheStatus: CacheStatus | undefined;
  sharedAnswer = false;
  cacheLookupError: string | undefined;
  /** leaf runner: the target tried last, and the executor's outcome */
  target: ProviderTarget | undefined;
  outcome: RouteOutcome<CachedAttemptResult> | undefined;
  /** Set when an attempt's reported usage had to be clamped or bounded (the first such attempt's reason). */
  usageAnomaly: UsageAnomaly | undefined;
  private finished = false;
  private readonly streamed: (Buffer | string)[] = [];
  private streamedBytes = 0;
  /** Every byte a stream sent, logged bodies or not (the log's `response_bytes`). */
  private streamedTotal = 0;

  constructor(
    readonly shared: GatewayShared,
    /** The client's request; the prompts step replaces a prompt call by the chat completion it runs. */
    public req: CoreRequest,
  ) {
    this.traceId = req.headers["x-portkey-trace-id"] ?? "";
    this.trace = requestTrace(req.headers, shared.tracing === true);
    this.logBodies = bodyLoggingEnabled(req.headers, shared.logBodies);
  }

  /** Remembers a target's credentials for the log's redaction (whatever their shape). */
  noteCredentials(target: ProviderTarget): void {
    for (const secret of [target.apiKey, target.options?.awsSecretAccessKey, target.options?.awsSessionToken]) {
      if (secret) this.credentials.add(secret);
    }
  }

  /** Keeps what the client was streamed, for the log record (capped). */
  captureStream(chunk: Buffer | string): void {
    this.streamedTotal += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
    if (!this.logBodies || this.streamedBytes > STREAM_LOG_LIMIT) return;
    this.streamed.push(chunk);
    this.streamedBytes += chunk.length;
  }

  /** What the client was streamed (capped): its bytes as they were sent, or text when some part was written as text. */
  streamedBody(): Buffer | string | undefined {
    const { streamed } = this;
    if (streamed.length === 0) return undefined;
    for (const chunk of streamed) if (typeof chunk === "string") return streamed.join("");
    // a copy: the log row may keep these bytes past the request (a Firehose batch), the chunks are not ours
    return Buffer.concat(streamed as Buffer[], this.streamedBytes);
  }

  /**
   * Records what one attempt is billed from the usage its upstream reported, checked (shared/limits/usage-bounds.ts):
   * numbers clamped to non-negative integers within bounds, and a host the client chose billed within the
   * reservation. Returns the usage to log.
   */
  bill(provider: string, model: string, reported: Usage | undefined, clientHost: boolean): Usage | undefined {
    if (reported === undefined) {
      this.billed.push({ provider, model, usage: "unknown" });
      return undefined;
    }
    const estimate = clientHost ? this.admission?.estimate : undefined;
    const checked = estimate ? boundUntrustedUsage(reported, estimate) : sanitizeUsage(reported);
    this.usageAnomaly ??= checked.anomaly;
    this.billed.push({ provider, model, usage: checked.usage });
    return checked.usage;
  }

  /**
   * The request is over (answer built, stream ended, or error answered): the `finish` hooks of the entered steps
   * run, in reverse order, once.
   */
  finish(end: RequestEnd): void {
    if (this.finished) return;
    this.finished = true;
    const { steps } = this.shared;
    for (let i = this.entered - 1; i >= 0; i--) steps[i]?.finish?.(this, end);
  }

  summary(fields: RequestEnd): RequestSummary {
    const { headers, outcome, principal, body, admission } = this;
    const requestMetadata = headers?.metadata ?? {};
    return {
      traceId: this.traceId,
      trace: this.trace,
      startedAt: this.startedAt,
      method: this.req.method,
      endpoint: this.route?.endpoint ?? "unknown",
      workspaceId: principal?.workspaceId,
      apiKeyId: principal?.apiKeyId,
      configId: this.configId,
      promptId: this.prompt?.id,
      promptVersion: this.prompt?.version,
      virtualKey: headers?.virtualKey ?? this.modelSlug ?? outcome?.leaf?.virtualKey,
      strategy: this.strategy,
      provider: this.target?.provider,
      modelRequested: typeof body.model === "string" ? body.model : undefined,
      stream: body.stream === true,
      attempts: this.attempts,
      latencyMs: performance.now() - this.started,
      // The key's metadata are defaults; the request's `x-portkey-metadata` wins per field.
      metadata: principal?.metadata ? { ...principal.metadata, ...requestMetadata } : requestMetadata,
      clientAborted: false,
      logBodies: this.logBodies,
      user: typeof body.user === "string" ? body.user : undefined,
      retryCount: outcome?.retryCount,
      lastUsedOptionIndex: this.fromConfig ? outcome?.leaf?.path : undefined,
      cacheStatus: this.cacheStatus,
      sharedAnswer: this.sharedAnswer || undefined,
      budgetReservedUsd: admission?.reservation.scopes.length
        ? microsToUsd(admission.reservation.charge.costMicros)
        : undefined,
      usageAnomaly: this.usageAnomaly,
      // only JSON bodies are text worth logging: never an upload's bytes (multipart, raw); a guardrail's redaction
      // replaces the client's body
      requestBody:
        this.route === undefined || this.route.body === "json" ? (this.loggedRequestBody ?? this.req.body) : undefined,
      requestBytes: this.req.body.length,
      responseBytes: this.streamedTotal || byteLength(fields.responseBody),
      secrets: this.credentials.size ? [...this.credentials] : undefined,
      guardrails: this.guardrails?.records,
      ...fields,
    };
  }
}
