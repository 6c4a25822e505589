/**
 * Guardrails (Portkey's `before_request_hooks` / `after_request_hooks`): the compiled shapes and the result
 * objects the gateway returns in `hook_results`. Hooks are validated and compiled once per config; a request only
 * runs the precompiled check functions.
 */

export type HookPhase = "before_request" | "after_request";

/**
 * The network a check may use, per request (webhooks, moderation targets): built by the gateway from its shared
 * transport (SSRF guard) and provider layer, so guardrails never open a connection of their own.
 */
export interface GuardrailIO {
  /** POSTs JSON to a webhook; resolves with its parsed JSON answer; throws on a refused URL, a timeout, a non-2xx. */
  postJson(url: string, body: unknown, headers: Readonly<Record<string, string>>, timeoutMs: number): Promise<unknown>;
  /**
   * Calls an OpenAI-compatible moderation target through the provider layer (recorded as an attempt of the request,
   * billed); resolves with the answer's first result.
   */
  moderate(target: ModerationTarget, input: string, checkPath: string): Promise<ModerationResult>;
}

/** Who moderates: a virtual key, or a provider with its key (and custom host), and the model. */
export interface ModerationTarget {
  readonly virtualKey?: string;
  readonly provider?: string;
  readonly apiKey?: string;
  readonly customHost?: string;
  readonly model?: string;
  readonly timeoutMs: number;
}

/** OpenAI's moderation result: flagged, and per category a boolean and a score. */
export interface ModerationResult {
  readonly flagged: boolean;
  readonly categories: Readonly<Record<string, boolean>>;
  readonly category_scores?: Readonly<Record<string, number>>;
}

/** What one check sees. */
export interface CheckInput {
  /** before_request: the last message (or the prompt); after_request: the first choice's content. */
  readonly text: string;
  /** The same text as its parts (content parts of the message, prompts of a list): what a transform rewrites. */
  readonly texts: readonly string[];
  /** The request body as sent upstream (override_params and earlier transforms applied). */
  readonly request: Readonly<Record<string, unknown>>;
  /** after_request on a complete answer: the answer's JSON (earlier transforms applied). */
  readonly response?: Readonly<Record<string, unknown>>;
  readonly phase: HookPhase;
  readonly endpoint: string;
  /** The provider of the target (the webhook context names it). */
  readonly provider: string;
  /** The request's `x-portkey-metadata` (the webhook context carries it). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Per request: redaction placeholders by original value, so one value keeps one placeholder (PII). */
  readonly placeholders: Map<string, string>;
  /** Per request: the network (undefined where none is wired: the check then errors). */
  readonly io?: GuardrailIO;
  /** True while judging a streamed answer (already sent): transforms cannot apply any more. */
  readonly streamed?: boolean;
}

/** What a transforming check changed: the text parts, or a whole JSON (request body or answer, by phase). */
export type CheckTransform = { readonly texts: readonly string[] } | { readonly json: Record<string, unknown> };

/** A check's raw outcome before `not` is applied. */
export interface CheckOutcome {
  readonly verdict: boolean;
  readonly data: Record<string, unknown>;
  /** Set by mutators (regexReplace, addPrefix, pii with redact, a webhook's transformedData). */
  readonly transform?: CheckTransform;
  /** Original values this check replaced: scrubbed from the other checks' results of the phase. */
  readonly redacted?: readonly string[];
}

/** An executable check, parameters already validated and precompiled. Network checks return a promise. */
export type CheckFn = (input: CheckInput) => CheckOutcome | Promise<CheckOutcome>;

/** A span of text a streaming redactor replaces: [start, end) and what goes there. */
export interface RedactionSpan {
  readonly start: number;
  readonly end: number;
  /** The replacement; `placeholders` (per request) gives stable names to repeated values. */
  replacement(placeholders: Map<string, string>): string;
}

/**
 * A text rewrite that can run on a stream as it is sent: `find` reports spans no longer than `maxSpan` characters,
 * so text more than `maxSpan` characters behind the stream's end can be rewritten and sent.
 */
export interface StreamRedactor {
  readonly maxSpan: number;
  find(text: string): readonly RedactionSpan[];
}

export interface CompiledCheck {
  /** Portkey's check id, e.g. `default.regexMatch`. */
  readonly id: string;
  /** Inverts the verdict (Portkey's `not` parameter). */
  readonly not: boolean;
  /** Portkey's `failOnError`: an error fails the hook instead of counting as passed. */
  readonly failOnError: boolean;
  readonly run: CheckFn;
  /** Transforming text checks (pii with redact, regexReplace): how they rewrite a streamed answer. */
  readonly streamRedactor?: StreamRedactor;
}

export interface HookFeedbackConfig {
  readonly value?: number;
  readonly weight?: number;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

export interface CompiledHook {
  readonly id: string;
  /** `guardrail`, or Portkey's `mutator` (a hook whose checks transform; run like a guardrail). */
  readonly type: "guardrail" | "mutator";
  readonly deny: boolean;
  /** Async hooks are evaluated for the log only: they never deny, never change the status or the body. */
  readonly async: boolean;
  readonly onFail?: HookFeedbackConfig;
  readonly onSuccess?: HookFeedbackConfig;
  /** Enabled checks only (`is_enabled: false` checks are dropped at compile time). */
  readonly checks: readonly CompiledCheck[];
}

export type CompiledHooks = readonly CompiledHook[];

/** One check in `hook_results` (Portkey's GuardrailCheckResult). */
export interface CheckResult {
  readonly id: string;
  readonly verdict: boolean;
  readonly data: Record<string, unknown> | null;
  readonly error?: { readonly name: string; readonly message: string };
  /** The check changed the request or the answer (Portkey's `transformed`). */
  readonly transformed: boolean;
  /** Milliseconds. */
  readonly execution_time: number;
  readonly created_at: string;
}

export interface HookFeedback {
  readonly value?: number;
  readonly weight?: number;
  readonly metadata: Record<string, unknown>;
}

/** One hook in `hook_results` (Portkey's GuardrailResult). */
export interface HookResult {
  readonly id: string;
  readonly type: "guardrail" | "mutator";
  /** True when every check passed (a check that errored counts as passed, as in Portkey). */
  readonly verdict: boolean;
  /** True when this hook failed and has `deny: true` (the request was refused). */
  readonly deny: boolean;
  readonly async: boolean;
  /** Some check of the hook changed the request or the answer. */
  readonly transformed: boolean;
  readonly checks: readonly CheckResult[];
  readonly feedback: HookFeedback | null;
  readonly execution_time: number;
  readonly created_at: string;
}

/** Portkey's `hook_results` object. */
export interface HookResults {
  readonly before_request_hooks: readonly HookResult[];
  readonly after_request_hooks: readonly HookResult[];
}
