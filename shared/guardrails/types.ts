/**
 * Guardrails (Portkey's `before_request_hooks` / `after_request_hooks`): the compiled shapes and the result
 * objects the gateway returns in `hook_results`. Hooks are validated and compiled once per config; a request only
 * runs the precompiled check functions.
 */

export type HookPhase = "before_request" | "after_request";

/** What one check sees. */
export interface CheckInput {
  /** before_request: the last message (or the prompt); after_request: the first choice's content. */
  readonly text: string;
  /** The request body as sent upstream (override_params applied). */
  readonly request: Readonly<Record<string, unknown>>;
  readonly phase: HookPhase;
}

/** A check's raw outcome before `not` is applied. */
export interface CheckOutcome {
  readonly verdict: boolean;
  readonly data: Record<string, unknown>;
}

/** An executable check: pure and synchronous, parameters already validated and precompiled. */
export type CheckFn = (input: CheckInput) => CheckOutcome;

export interface CompiledCheck {
  /** Portkey's check id, e.g. `default.regexMatch`. */
  readonly id: string;
  /** Inverts the verdict (Portkey's `not` parameter). */
  readonly not: boolean;
  readonly run: CheckFn;
}

export interface HookFeedbackConfig {
  readonly value?: number;
  readonly weight?: number;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

export interface CompiledHook {
  readonly id: string;
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
  readonly type: "guardrail";
  /** True when every check passed (a check that errored counts as passed, as in Portkey). */
  readonly verdict: boolean;
  /** True when this hook failed and has `deny: true` (the request was refused). */
  readonly deny: boolean;
  readonly async: boolean;
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
