import type { Guardrails } from "../../guardrails/guardrails";
import type { CachedAttemptResult } from "../attempt";
import type { LeafRun, LeafStep } from "../leaf-run";

/**
 * A config's guardrails (Portkey hooks, ADR 0020) as a leaf step. `before`: the target's before-request hooks, on
 * the body the target is sent (a deny is a 446 before the cache and the upstream; retries reuse the verdict).
 * `after`: the after-request hooks on the answer (a deny is a 446; a failure without deny is 246 with
 * `hook_results`). A target without hooks costs two property reads.
 */
export function createGuardrailsStep(guardrails: Guardrails): LeafStep {
  return {
    name: "guardrails",

    before(leafRun: LeafRun): undefined {
      const { run, leaf, ctx } = leafRun;
      if (!leaf.beforeRequestHooks && !leaf.afterRequestHooks) return undefined;
      run.guardrails ??= guardrails.start();
      leafRun.guard = run.guardrails.before(leaf, ctx.endpoint, ctx.body);
      return undefined;
    },

    after(leafRun: LeafRun, result: CachedAttemptResult): CachedAttemptResult {
      return leafRun.guard ? leafRun.guard.after(result) : result;
    },
  };
}
