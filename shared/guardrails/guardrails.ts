import type { GuardrailRecord } from "../logging/record";
import type { Endpoint, TranslatedResponse } from "../providers/types";
import { compiledHooksOf } from "./compile-hooks";
import { evaluateHooks, type PhaseOutcome } from "./evaluate";
import { GUARDRAIL_FLAG_STATUS, GuardrailDeniedError } from "./guardrail-error";
import { withHookResults } from "./hook-results-body";
import { GUARDED_ENDPOINTS, requestText, responseText } from "./hook-text";
import type { CompiledHooks, HookResults } from "./types";

/**
 * The gateway's guardrails (Portkey hooks) as the core uses them:
 *
 *   const run = guardrails.start();                         // once per client request
 *   const guard = run.before(leaf, endpoint, body);        // per target, before cache and upstream: may throw 446
 *   const result = guard ? guard.after(answer) : answer;   // on the answer: may throw 446, or add 246/hook_results
 *
 * Streams: before-request hooks apply (a deny is a 446 before any byte; a non-deny failure makes the stream's
 * status 246); after-request hooks are skipped, because the body is sent while it is produced (ADR 0020).
 */
/** A routing target with its hook lists (a plan's `LeafNode`, shared/routing/plan.ts). */
export interface HookedTarget {
  readonly beforeRequestHooks?: readonly unknown[];
  readonly afterRequestHooks?: readonly unknown[];
}

/** A complete JSON answer, as after-request hooks judge it (the gateway's `JsonAttempt`). */
interface JsonAnswer {
  readonly kind: "json";
  readonly status: number;
  readonly response: TranslatedResponse;
}

export interface Guardrails {
  start(): GuardrailRun;
}

export interface GuardrailRun {
  /** Every hook evaluated for this request (all targets tried, async hooks included), for the request log. */
  readonly records: readonly GuardrailRecord[];
  /**
   * Runs the target's before-request hooks (once per target and request: retries reuse the verdict). Throws
   * `GuardrailDeniedError` (446) when a hook with `deny: true` fails; undefined when the target has no hooks.
   */
  before(leaf: HookedTarget, endpoint: Endpoint, body: Readonly<Record<string, unknown>>): LeafGuard | undefined;
}

export interface LeafGuard {
  /**
   * Runs the after-request hooks on a JSON answer and returns the answer to send: with `hook_results` added and
   * status 246 when a hook failed without deny. Throws `GuardrailDeniedError` (446) on a deny.
   */
  after<R extends { readonly kind: string; readonly status: number }>(result: R): R;
}

const NO_HOOKS: PhaseOutcome = Object.freeze({ results: [], failed: false, denied: false, records: [] });

function parseObject(body: string | Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(typeof body === "string" ? body : body.toString("utf8"));
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function createLeafGuard(
  endpoint: Endpoint,
  body: Readonly<Record<string, unknown>>,
  before: PhaseOutcome,
  afterHooks: CompiledHooks | undefined,
  records: GuardrailRecord[],
): LeafGuard {
  function guardJson(answer: JsonAnswer): JsonAnswer {
    let after = NO_HOOKS;
    // As in Portkey: after-request hooks judge successful (200) answers only.
    if (afterHooks && answer.status === 200) {
      const json = parseObject(answer.response.body);
      if (json) {
        after = evaluateHooks(afterHooks, {
          text: responseText(endpoint, json),
          request: body,
          phase: "after_request",
        });
        records.push(...after.records);
      }
    }
    const hookResults: HookResults = { before_request_hooks: before.results, after_request_hooks: after.results };
    if (after.denied) throw new GuardrailDeniedError(hookResults);
    if (hookResults.before_request_hooks.length === 0 && hookResults.after_request_hooks.length === 0) return answer;
    const withResults = withHookResults(answer.response.body, hookResults);
    const flagged = (before.failed || after.failed) && answer.status === 200;
    return {
      ...answer,
      status: flagged ? GUARDRAIL_FLAG_STATUS : answer.status,
      response: withResults === undefined ? answer.response : { ...answer.response, body: withResults },
    };
  }

  return {
    after<R extends { readonly kind: string; readonly status: number }>(result: R): R {
      if (result.kind === "json") return guardJson(result as unknown as JsonAnswer) as unknown as R;
      if (result.kind === "stream" && before.failed && result.status === 200) {
        return { ...result, status: GUARDRAIL_FLAG_STATUS };
      }
      return result;
    },
  };
}

/** Builds the guardrails dependency of the gateway core. Stateless: hooks are compiled with their config. */
export function createGuardrails(): Guardrails {
  return {
    start(): GuardrailRun {
      const records: GuardrailRecord[] = [];
      const beforeByLeaf = new Map<HookedTarget, PhaseOutcome>();
      return {
        records,
        before(leaf, endpoint, body) {
          if (!GUARDED_ENDPOINTS.has(endpoint)) return undefined;
          const beforeHooks = compiledHooksOf(leaf.beforeRequestHooks);
          const afterHooks = compiledHooksOf(leaf.afterRequestHooks);
          if (!beforeHooks && !afterHooks) return undefined;
          let before = beforeByLeaf.get(leaf);
          if (!before) {
            before = beforeHooks
              ? evaluateHooks(beforeHooks, {
                  text: requestText(endpoint, body),
                  request: body,
                  phase: "before_request",
                })
              : NO_HOOKS;
            beforeByLeaf.set(leaf, before);
            records.push(...before.records);
          }
          if (before.denied) {
            throw new GuardrailDeniedError({ before_request_hooks: before.results, after_request_hooks: [] });
          }
          return createLeafGuard(endpoint, body, before, afterHooks, records);
        },
      };
    },
  };
}
