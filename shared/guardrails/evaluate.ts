import type { GuardrailRecord } from "../logging/record";
import type {
  CheckInput,
  CheckResult,
  CompiledCheck,
  CompiledHook,
  CompiledHooks,
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
}

function ms(from: number): number {
  return Math.round((performance.now() - from) * 1000) / 1000;
}

function runCheck(check: CompiledCheck, input: CheckInput, createdAt: string): CheckResult {
  const started = performance.now();
  try {
    const outcome = check.run(input);
    const verdict = check.not ? !outcome.verdict : outcome.verdict;
    return {
      id: check.id,
      verdict,
      data: { ...outcome.data, not: check.not, verdict },
      execution_time: ms(started),
      created_at: createdAt,
    };
  } catch (err) {
    // A check that throws counts as passed in its hook's verdict, as in Portkey (the error is reported).
    return {
      id: check.id,
      verdict: false,
      data: null,
      error: { name: "Check error", message: err instanceof Error ? err.message : "Error executing check" },
      execution_time: ms(started),
      created_at: createdAt,
    };
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

function runHook(hook: CompiledHook, input: CheckInput, createdAt: string): HookResult {
  const started = performance.now();
  const checks = hook.checks.map((check) => runCheck(check, input, createdAt));
  const verdict = checks.every((r) => r.verdict || r.error !== undefined);
  return {
    id: hook.id,
    type: "guardrail",
    verdict,
    deny: hook.deny && !hook.async && !verdict,
    async: hook.async,
    checks,
    feedback: feedbackOf(verdict ? hook.onSuccess : hook.onFail, checks),
    execution_time: ms(started),
    created_at: createdAt,
  };
}

/** Runs every hook of one phase on one input. Pure apart from the clock; never throws. */
export function evaluateHooks(hooks: CompiledHooks, input: CheckInput): PhaseOutcome {
  const createdAt = new Date().toISOString();
  const results: HookResult[] = [];
  const records: GuardrailRecord[] = [];
  let failed = false;
  let denied = false;
  const phase: HookPhase = input.phase;
  for (const hook of hooks) {
    const result = runHook(hook, input, createdAt);
    records.push({
      id: hook.id,
      phase,
      verdict: result.verdict,
      action: result.deny ? "deny" : result.verdict ? "allow" : "flag",
      latency_ms: result.execution_time,
    });
    if (hook.async) continue;
    results.push(result);
    if (!result.verdict) failed = true;
    if (result.deny) denied = true;
  }
  return { results, failed, denied, records };
}
