import { type CostInput, computeCost } from "../pricing/cost";
import { uuidV7 } from "./ids";
import type { LogSink } from "./log-sink";
import {
  type AttemptRecord,
  type CacheStatus,
  type GuardrailRecord,
  LOG_SCHEMA_VERSION,
  type RequestLogRecord,
} from "./record";
import { type Redactor, redactSecrets } from "./redact";

export const DEFAULT_BODY_LIMIT_BYTES = 32 * 1024;
/** Extra bytes kept past the cap so a secret straddling the cut is still recognised and redacted. */
const REDACTION_SLACK_BYTES = 512;
const ERROR_MESSAGE_LIMIT = 1024;

export interface RequestLoggerOptions {
  sink: LogSink;
  /** Default: `redactSecrets`. */
  redact?: Redactor;
  /** Per-body cap; default 32 KiB. */
  bodyLimitBytes?: number;
  /** Cost when the gateway does not set one; default `computeCost` over the price table. */
  cost?: (input: CostInput) => number | null;
  /** Wall clock (epoch ms) and monotonic clock (ms); injectable for tests. */
  now?: () => number;
  monotonic?: () => number;
}

export interface RequestLogInit {
  traceId: string;
  workspaceId: string;
  apiKeyId: string | null;
  method: string;
  endpoint: string;
  /** false when the workspace or the request (`x-portkey-debug: false`) turned body logging off. */
  logBodies: boolean;
  modelRequested?: string | null;
  stream?: boolean;
  user?: string | null;
  metadata?: Readonly<Record<string, string>>;
  configId?: string | null;
  virtualKey?: string | null;
  strategy?: string | null;
  requestBody?: Buffer | string | null;
  /** Row id; default a UUIDv7 (time-ordered; log detail derives the partition from it). */
  id?: string;
  /** When the request started (epoch ms and monotonic ms), for records built after the fact. Default: now. */
  startedAtMs?: number;
  startedMono?: number;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens?: number;
  reasoning_tokens?: number;
}

export interface EndOptions {
  retryCount?: number;
  lastUsedOptionIndex?: string | null;
}

interface CappedBody {
  text: string | null;
  truncated: boolean;
}

function capBody(
  raw: Buffer | string | null,
  overflowed: boolean,
  limit: number,
  redact: Redactor,
  secrets: string[],
): CappedBody {
  if (raw === null) return { text: null, truncated: false };
  let source: string;
  let truncated = overflowed;
  // Fast path: a short string cannot exceed the byte cap (UTF-8 is at most 3 bytes per UTF-16 unit).
  if (typeof raw === "string" && raw.length * 3 <= limit) {
    source = raw;
  } else {
    const buf = typeof raw === "string" ? Buffer.from(raw) : raw;
    const keep = limit + REDACTION_SLACK_BYTES;
    source = (buf.length > keep ? buf.subarray(0, keep) : buf).toString("utf8");
    truncated ||= buf.length > limit;
  }
  let text = redact(source, secrets);
  if (text.length > limit) {
    text = text.slice(0, limit);
    truncated = true;
  }
  return { text, truncated };
}

function joinChunks(chunks: (Buffer | string)[]): Buffer | string | null {
  if (chunks.length === 0) return null;
  if (chunks.length === 1) return chunks[0] as Buffer | string;
  if (chunks.every((c) => typeof c === "string")) return chunks.join("");
  return Buffer.concat(chunks.map((c) => (typeof c === "string" ? Buffer.from(c) : c)));
}

/** Builds exactly one record for one client request; `end()` enqueues it once and ignores later calls. */
export class RequestLog {
  readonly id: string;
  readonly traceId: string;
  private readonly init: RequestLogInit;
  private readonly options: Required<RequestLoggerOptions>;
  private readonly startedAtIso: string;
  private readonly startedMono: number;
  private provider: string | null = null;
  private modelServed: string | null = null;
  private virtualKey: string | null;
  private configId: string | null;
  private strategy: string | null;
  private readonly attempts: AttemptRecord[] = [];
  private readonly guardrails: GuardrailRecord[] = [];
  private usage: Usage | null = null;
  private costUsd: number | null | undefined;
  private budgetReservedUsd: number | null = null;
  private cacheStatus: CacheStatus | null = null;
  private ttftMs: number | null = null;
  private upstreamLatencyMs: number | null = null;
  private errorType: string | null = null;
  private errorMessage: string | null = null;
  private disconnected = false;
  private readonly secrets: string[] = [];
  private responseChunks: (Buffer | string)[] = [];
  private responseBytes = 0;
  private responseOverflow = false;
  private ended = false;

  constructor(init: RequestLogInit, options: Required<RequestLoggerOptions>) {
    this.init = init;
    this.options = options;
    const startedAt = init.startedAtMs ?? options.now();
    this.id = init.id ?? uuidV7(startedAt);
    this.traceId = init.traceId;
    this.startedAtIso = new Date(startedAt).toISOString();
    this.startedMono = init.startedMono ?? options.monotonic();
    this.virtualKey = init.virtualKey ?? null;
    this.configId = init.configId ?? null;
    this.strategy = init.strategy ?? null;
  }

  /** The target that is (finally) serving the request. Call again on fallback. */
  setTarget(target: { provider: string; model?: string | null; virtualKey?: string | null }): void {
    this.provider = target.provider;
    if (target.model !== undefined) this.modelServed = target.model;
    if (target.virtualKey !== undefined) this.virtualKey = target.virtualKey;
  }

  setConfig(configId: string | null, strategy: string | null): void {
    this.configId = configId;
    this.strategy = strategy;
  }

  addAttempt(attempt: AttemptRecord): void {
    this.attempts.push(attempt);
  }

  addGuardrail(result: GuardrailRecord): void {
    this.guardrails.push(result);
  }

  setUsage(usage: Usage): void {
    this.usage = usage;
  }

  /** Overrides the price-table cost (e.g. provider-reported cost). `null` = unknown. */
  setCost(usd: number | null): void {
    this.costUsd = usd;
  }

  setBudgetReserved(usd: number | null): void {
    this.budgetReservedUsd = usd;
  }

  setCacheStatus(status: CacheStatus): void {
    this.cacheStatus = status;
  }

  /** Call when the first byte/chunk of the answer goes to the client. Only the first call counts. */
  markFirstToken(): void {
    if (this.ttftMs === null) this.ttftMs = this.options.monotonic() - this.startedMono;
  }

  /** Time to first token measured elsewhere (ms since the request started). */
  setTtft(ms: number): void {
    this.ttftMs = ms;
  }

  setUpstreamLatency(ms: number): void {
    this.upstreamLatencyMs = ms;
  }

  /** A secret that must never appear in logged bodies (e.g. the provider key behind a virtual key). */
  addKnownSecret(secret: string): void {
    this.secrets.push(secret);
  }

  /** Keeps the first ~32 KiB of the answer (whole body or stream chunks); the rest only sets the truncated flag. */
  captureResponse(chunk: Buffer | string): void {
    if (!this.init.logBodies) return;
    const limit = this.options.bodyLimitBytes + REDACTION_SLACK_BYTES;
    if (this.responseBytes >= limit) {
      this.responseOverflow = true;
      return;
    }
    this.responseChunks.push(chunk);
    this.responseBytes += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
  }

  fail(errorType: string, message: string): void {
    this.errorType = errorType;
    this.errorMessage = message.length > ERROR_MESSAGE_LIMIT ? message.slice(0, ERROR_MESSAGE_LIMIT) : message;
  }

  clientDisconnected(): void {
    this.disconnected = true;
  }

  get hasEnded(): boolean {
    return this.ended;
  }

  /** Builds the record (does not enqueue). */
  toRecord(status: number, end: EndOptions = {}): RequestLogRecord {
    const usage = this.usage;
    const prompt = usage?.prompt_tokens ?? 0;
    const completion = usage?.completion_tokens ?? 0;
    const cached = usage?.cached_tokens ?? 0;
    const model = this.modelServed ?? this.init.modelRequested ?? null;
    let cost = this.costUsd;
    if (cost === undefined) {
      cost =
        usage && this.provider && model
          ? this.options.cost({
              provider: this.provider,
              model,
              prompt_tokens: prompt,
              completion_tokens: completion,
              cached_tokens: cached,
            })
          : null;
    }
    const { redact, bodyLimitBytes } = this.options;
    const logBodies = this.init.logBodies;
    const requestBody = logBodies
      ? capBody(this.init.requestBody ?? null, false, bodyLimitBytes, redact, this.secrets)
      : { text: null, truncated: false };
    const responseRaw = logBodies ? joinChunks(this.responseChunks) : null;
    const responseBody = capBody(responseRaw, this.responseOverflow, bodyLimitBytes, redact, this.secrets);
    const finalStatus = this.disconnected ? 499 : status;
    // Free text other than bodies can carry secrets too: what the client sent (metadata, user, the trace id and
    // virtual key headers) and what the upstream said (error messages echo keys). Short strings: cheap.
    const clean = (text: string): string => redact(text, this.secrets);
    const metadata: Record<string, string> = {};
    for (const [key, value] of Object.entries(this.init.metadata ?? {})) metadata[key] = clean(value);
    return {
      schema_version: LOG_SCHEMA_VERSION,
      kind: "request",
      id: this.id,
      trace_id: clean(this.traceId),
      workspace_id: this.init.workspaceId,
      api_key_id: this.init.apiKeyId,
      ts: this.startedAtIso,
      method: this.init.method,
      endpoint: this.init.endpoint,
      provider: this.provider,
      model_requested: this.init.modelRequested ?? null,
      model_served: this.modelServed,
      virtual_key: this.virtualKey === null ? null : clean(this.virtualKey),
      config_id: this.configId === null ? null : clean(this.configId),
      strategy: this.strategy,
      attempts: this.attempts.map((a) => (a.error === null ? a : { ...a, error: clean(a.error) })),
      status: finalStatus,
      error_type: this.disconnected && this.errorType === null ? "client_disconnected" : this.errorType,
      error_message: this.errorMessage === null ? null : clean(this.errorMessage),
      retry_count: end.retryCount ?? Math.max(this.attempts.length - 1, 0),
      last_used_option_index: end.lastUsedOptionIndex ?? null,
      latency_ms: this.options.monotonic() - this.startedMono,
      ttft_ms: this.ttftMs,
      upstream_latency_ms: this.upstreamLatencyMs,
      prompt_tokens: prompt,
      completion_tokens: completion,
      cached_tokens: cached,
      reasoning_tokens: usage?.reasoning_tokens ?? 0,
      total_tokens: prompt + completion,
      cost_usd: cost,
      budget_reserved_usd: this.budgetReservedUsd,
      cache_status: this.cacheStatus,
      guardrails: this.guardrails,
      metadata,
      user: this.init.user == null ? null : clean(this.init.user),
      stream: this.init.stream ?? false,
      client_disconnected: this.disconnected,
      request_body: requestBody.text,
      response_body: responseBody.text,
      request_body_truncated: requestBody.truncated,
      response_body_truncated: responseBody.truncated,
    };
  }

  /** Finishes the request: builds and enqueues the record once. Returns false (and does nothing) if already ended. */
  end(status: number, options?: EndOptions): boolean {
    if (this.ended) return false;
    this.ended = true;
    this.options.sink.enqueue(this.toRecord(status, options));
    this.responseChunks = [];
    return true;
  }
}

export interface RequestLogger {
  start(init: RequestLogInit): RequestLog;
}

/** Created once per process (cold start); `start` is called once per client request. */
export function createRequestLogger(options: RequestLoggerOptions): RequestLogger {
  const resolved: Required<RequestLoggerOptions> = {
    sink: options.sink,
    redact: options.redact ?? redactSecrets,
    bodyLimitBytes: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    cost: options.cost ?? computeCost,
    now: options.now ?? Date.now,
    monotonic: options.monotonic ?? performance.now.bind(performance),
  };
  return {
    start: function startRequestLog(init) {
      return new RequestLog(init, resolved);
    },
  };
}

/**
 * Body logging switch: on unless the workspace turned it off or the request sends `x-portkey-debug: false`
 * (Portkey's `debug: false` client option). Headers are lower-case.
 */
export function bodyLoggingEnabled(
  headers: Readonly<Record<string, string>>,
  workspaceLogsBodies: boolean | undefined,
): boolean {
  if (workspaceLogsBodies === false) return false;
  const debug = headers["x-portkey-debug"];
  return debug === undefined || debug.trim().toLowerCase() !== "false";
}
