import type { Endpoint } from "../core/endpoints";
import type { GuardrailRecord } from "../logging/record";
import { joinTexts, requestTexts, responseTexts, withRequestTexts, withResponseTexts } from "./hook-text";
import type {
  CheckInput,
  CheckOutcome,
  CheckResult,
  CompiledCheck,
  CompiledHook,
  CompiledHooks,
  GuardrailIO,
  HookFeedback,
  HookFeedbackConfig,
  HookPhase,
  HookResult,
} from "./types";

/** The outcome of one phase's hooks for one target. */
export interface PhaseOutcome {
  /** Results of the synchronous hooks: these go into `hook_results`. */
  readonly results: readonly HookResult[];
  /** Some synchronous hook failed (with or without deny). */
  readonly failed: boolean;
  /** Some synchronous hook with `deny: true` failed. */
  readonly denied: boolean;
  /** One entry per hook (async ones included), for the request log. */
  readonly records: readonly GuardrailRecord[];
  /** The request body (before_request) or the answer (after_request) as the checks left it, when one changed it. */
  readonly transformed?: Record<string, unknown>;
}

/** What one phase judges, and the request's context the checks may read. */
export interface PhaseSubject {
  readonly phase: HookPhase;
  readonly endpoint: Endpoint;
  readonly provider: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly placeholders: Map<string, string>;
  readonly io?: GuardrailIO;
  /** The request body as it goes upstream. */
  readonly request: Readonly<Record<string, unknown>>;
  /** after_request on a complete answer: its JSON. */
  readonly response?: Readonly<Record<string, unknown>>;
  /** after_request on a stream: the assembled text (the answer was sent: transforms are not applied). */
  readonly streamedText?: string;
}

function ms(from: number): number {
  return Math.round((performance.now() - from) * 1000) / 1000;
}

function errorResult(check: CompiledCheck, err: unknown, started: number, createdAt: string): CheckResult {
  // A check that errs counts as passed in its hook's verdict (Portkey), unless it sets `failOnError`.
  return {
    id: check.id,
    verdict: false,
    data: null,
    error: { name: "Check error", message: err instanceof Error ? err.message : "Error executing check" },
    transformed: false,
    execution_time: ms(started),
    created_at: createdAt,
  };
}

async function runCheck(
  check: CompiledCheck,
  input: CheckInput,
  createdAt: string,
): Promise<{ result: CheckResult; outcome?: CheckOutcome }> {
  const started = performance.now();
  try {
    const pending = check.run(input);
    const outcome = pending instanceof Promise ? await pending : pending;
    const verdict = check.not ? !outcome.verdict : outcome.verdict;
    // on a stream, text transforms were applied as it was sent; a whole-JSON transform cannot be
    const transformed = outcome.transform !== undefined && !(input.streamed && !("texts" in outcome.transform));
    return {
      outcome,
      result: {
        id: check.id,
        verdict,
        data: { ...outcome.data, not: check.not, verdict },
        transformed,
        execution_time: ms(started),
        created_at: createdAt,
      },
    };
  } catch (err) {
    return { result: errorResult(check, err, started, createdAt) };
  }
}

function idsWhere(results: readonly CheckResult[], keep: (r: CheckResult) => boolean): string {
  return results
    .filter(keep)
    .map((r) => r.id)
    .join(", ");
}

/** Portkey's feedback object: the hook's `on_success` / `on_fail` feedback plus which checks passed, failed, erred. */
function feedbackOf(config: HookFeedbackConfig | undefined, checks: readonly CheckResult[]): HookFeedback | null {
  if (!config) return null;
  return {
    value: config.value,
    weight: config.weight,
    metadata: {
      ...config.metadata,
      successfulChecks: idsWhere(checks, (r) => r.verdict),
      failedChecks: idsWhere(checks, (r) => !r.verdict && !r.error),
      erroredChecks: idsWhere(checks, (r) => !r.verdict && r.error !== undefined),
    },
  };
}

/** The JSON and text a phase's checks work on; transforms replace it as the hooks run, in order. */
class PhaseState {
  json: Record<string, unknown>;
  texts: string[];
  text: string;
  changed = false;
  readonly redacted = new Set<string>();

  constructor(private readonly subject: PhaseSubject) {
    const { phase, endpoint, request, response, streamedText } = subject;
    this.json = (phase === "before_request" ? request : (response ?? {})) as Record<string, unknown>;
    if (streamedText !== undefined) this.texts = [streamedText];
    else
      this.texts = phase === "before_request" ? requestTexts(endpoint, this.json) : responseTexts(endpoint, this.json);
    this.text = joinTexts(this.texts);
  }

  input(): CheckInput {
    const { subject } = this;
    const before = subject.phase === "before_request";
    return {
      text: this.text,
      texts: this.texts,
      request: before ? this.json : subject.request,
      response: before ? undefined : subject.response === undefined ? undefined : this.json,
      phase: subject.phase,
      endpoint: subject.endpoint,
      provider: subject.provider,
      metadata: subject.metadata,
      placeholders: subject.placeholders,
      io: subject.io,
      streamed: subject.streamedText !== undefined,
    };
  }

  apply(outcome: CheckOutcome): void {
    for (const value of outcome.redacted ?? []) this.redacted.add(value);
    const { transform } = outcome;
    if (!transform) return;
    const { phase, endpoint } = this.subject;
    if (this.subject.streamedText !== undefined) {
      // a streamed answer was rewritten as it was sent (stream-guard.ts): later checks judge the rewritten text
      if ("texts" in transform) {
        this.texts = [...transform.texts];
        this.text = joinTexts(this.texts);
      }
      return;
    }
    if ("texts" in transform) {
      this.json =
        phase === "before_request"
          ? withRequestTexts(endpoint, this.json, transform.texts)
          : withResponseTexts(endpoint, this.json, transform.texts);
    } else {
      this.json = transform.json;
    }
    this.texts = phase === "before_request" ? requestTexts(endpoint, this.json) : responseTexts(endpoint, this.json);
    this.text = joinTexts(this.texts);
    this.changed = true;
  }
}

async function runHook(hook: CompiledHook, state: PhaseState, createdAt: string): Promise<HookResult> {
  const started = performance.now();
  const checks: CheckResult[] = [];
  for (const check of hook.checks) {
    const { result, outcome } = await runCheck(check, state.input(), createdAt);
    // An async hook is evaluated for the log only: what it would transform is not applied (as Portkey).
    if (outcome && !hook.async) state.apply(outcome);
    checks.push(check.failOnError && result.error ? { ...result, data: result.data ?? {} } : result);
  }
  const verdict = checks.every(
    (r, i) => r.verdict || (r.error !== undefined && !(hook.checks[i] as CompiledCheck).failOnError),
  );
  return {
    id: hook.id,
    type: hook.type,
    verdict,
    deny: hook.deny && !hook.async && !verdict,
    async: hook.async,
    transformed: checks.some((c) => c.transformed),
    checks,
    feedback: feedbackOf(verdict ? hook.onSuccess : hook.onFail, checks),
    execution_time: ms(started),
    created_at: createdAt,
  };
}

/** Replaces every redacted value in a check's reported data (an earlier check may have quoted it). */
function scrub(value: unknown, redacted: readonly string[], placeholders: Map<string, string>): unknown {
  if (typeof value === "string") {
    let out = value;
    for (const original of redacted) {
      if (out.includes(original)) out = out.split(original).join(placeholders.get(original) ?? "[REDACTED]");
    }
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => scrub(v, redacted, placeholders));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = scrub(v, redacted, placeholders);
    return out;
  }
  return value;
}

function scrubbed(result: HookResult, redacted: readonly string[], placeholders: Map<string, string>): HookResult {
  return {
    ...result,
    checks: result.checks.map((c) =>
      c.data ? { ...c, data: scrub(c.data, redacted, placeholders) as Record<string, unknown> } : c,
    ),
  };
}

/**
 * Runs every hook of one phase, in order, and every check of a hook in order: a check sees what the checks before
 * it transformed (a redacted text, a prefixed prompt). Never throws (a check that throws is reported in its
 * result). Values a check redacted are scrubbed from every result, so `hook_results` never quotes them.
 */
export async function evaluateHooks(hooks: CompiledHooks, subject: PhaseSubject): Promise<PhaseOutcome> {
  const createdAt = new Date().toISOString();
  const state = new PhaseState(subject);
  let results: HookResult[] = [];
  const records: GuardrailRecord[] = [];
  let failed = false;
  let denied = false;
  for (const hook of hooks) {
    const result = await runHook(hook, state, createdAt);
    records.push({
      id: hook.id,
      phase: subject.phase,
      verdict: result.verdict,
      action: result.deny ? "deny" : result.verdict ? "allow" : "flag",
      latency_ms: result.execution_time,
    });
    if (hook.async) continue;
    results.push(result);
    if (!result.verdict) failed = true;
    if (result.deny) denied = true;
  }
  if (state.redacted.size > 0) {
    const redacted = [...state.redacted].sort((a, b) => b.length - a.length);
    results = results.map((r) => scrubbed(r, redacted, subject.placeholders));
  }
  return { results, failed, denied, records, ...(state.changed ? { transformed: state.json } : {}) };
}
