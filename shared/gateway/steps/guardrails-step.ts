import type { Guardrails } from "../../guardrails/guardrails";
import type { CachedAttemptResult } from "../attempt";
import { type GuardrailIODeps, guardrailIO } from "../guardrail-io";
import type { LeafRun, LeafStep } from "../leaf-run";

/**
 * A config's guardrails (Portkey hooks, ADR 0020) as a leaf step. `before`: the target's before-request hooks, on
 * the body the target is sent (a deny is a 446 before the cache and the upstream; retries reuse the verdict); a
 * hook that transformed the body (redaction, a prefix) changes what the cache and the upstream see, and what the
 * log records. `after`: the after-request hooks on the answer (a deny is a 446; a failure without deny is 246 with
 * `hook_results`); on a stream, a filter the events pass through (ADR 0032). A target without hooks costs two
 * property reads.
 */
export function createGuardrailsStep(guardrails: Guardrails, io: GuardrailIODeps): LeafStep {
  return {
    name: "guardrails",

    before(leafRun: LeafRun): Promise<undefined> | undefined {
      const { leaf } = leafRun;
      if (!leaf.beforeRequestHooks && !leaf.afterRequestHooks) return undefined;
      return guardBefore(leafRun);
    },

    after(leafRun: LeafRun, result: CachedAttemptResult): Promise<CachedAttemptResult> | CachedAttemptResult {
      return leafRun.guard ? leafRun.guard.after(result) : result;
    },
  };

  async function guardBefore(leafRun: LeafRun): Promise<undefined> {
    const { run, leaf, ctx, target, adapter } = leafRun;
    run.guardrails ??= guardrails.start({ io: guardrailIO(io, run), metadata: run.headers?.metadata ?? {} });
    const guard = await run.guardrails.before(leaf, ctx.endpoint, ctx.body, target.provider);
    leafRun.guard = guard;
    if (!guard) return undefined;
    if (guard.body) {
      leafRun.ctx = { ...ctx, body: guard.body, bodyChanged: true };
      run.loggedRequestBody = Buffer.from(JSON.stringify(guard.body));
    }
    if (adapter.isStreaming(leafRun.ctx)) leafRun.streamFilter = guard.streamFilter();
    return undefined;
  }
}
