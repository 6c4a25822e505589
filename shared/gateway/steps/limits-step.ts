import { randomUUID } from "node:crypto";
import type { CoreResponse } from "../../http/types";
import type { RequestLimits } from "../../limits/request-limits";
import type { BudgetSummary } from "../../logging/request-summary";
import type { LeafNode } from "../../routing/plan";
import type { EndpointRoute } from "../endpoints";
import { budgetCandidates, limitOwners } from "../limit-owners";
import type { PortkeyHeaders } from "../portkey-headers";
import type { RequestEnd, RequestRun, RequestStep } from "../request-run";
import type { WorkspaceLookups } from "../workspace-resolution";

/** The `override_params` of every target of the plan (a plan of one target has it as its root). */
function planOverrides(run: RequestRun): Readonly<Record<string, unknown>>[] {
  const leaves = run.plan.leaves.length ? run.plan.leaves : [run.plan.root as LeafNode];
  return leaves.flatMap((leaf) => (leaf.overrideParams ? [leaf.overrideParams] : []));
}

const BUDGET_FAILED: BudgetSummary = Object.freeze({ outcome: "failed" });
const BUDGET_RELEASED: BudgetSummary = Object.freeze({ outcome: "released" });

/**
 * Budgets and rate limits of the workspace, the API key and every virtual key the plan may use (ADR 0016, 0019).
 * `before`: rate limits (429) and the budget reservation (412), before any upstream call. `after`: the gateway's
 * `x-ratelimit-*` headers (on an answer they replace the upstream's; on an error the error's own win). `finish`:
 * the reservation is settled with what the attempts used (or given back), after the answer; the log waits for it.
 */
export function createLimitsStep(
  limits: RequestLimits,
  lookups: WorkspaceLookups | undefined,
  background: (work: Promise<unknown>) => void,
): RequestStep {
  return {
    name: "limits",

    async before(run: RequestRun): Promise<undefined> {
      const headers = run.headers as PortkeyHeaders;
      const slugs = new Set<string>();
      const headerSlug = headers.virtualKey ?? run.modelSlug;
      if (headerSlug) slugs.add(headerSlug);
      for (const leaf of run.plan.leaves) if (leaf.virtualKey) slugs.add(leaf.virtualKey);
      const owned = await limitOwners(run.principal, slugs, lookups);
      if (!owned.owners.length) return undefined;
      const gate = await limits.checkRateLimits(owned.owners);
      run.limitHeaders = gate.headers;
      run.admission = await limits.reserve(gate, {
        requestId: randomUUID(),
        endpoint: (run.route as EndpointRoute).endpoint,
        body: run.body,
        overrides: planOverrides(run),
        candidates: budgetCandidates(run.plan, headers, headerSlug, owned.providerOf, run.body),
      });
      return undefined;
    },

    after(run: RequestRun, res: CoreResponse): CoreResponse {
      const limitHeaders = run.limitHeaders;
      if (!limitHeaders) return res;
      const headers = res.status >= 400 ? { ...limitHeaders, ...res.headers } : { ...res.headers, ...limitHeaders };
      return { ...res, headers };
    },

    finish(run: RequestRun, _end: RequestEnd): void {
      const taken = run.admission;
      if (!taken) return;
      const settling = run.billed.length ? taken.settle(run.billed) : taken.release();
      background(settling); // a failed settle is reported by the background's error handler
      if (taken.reservation.scopes.length) {
        run.budget = settling.then(
          (result) => (result ? { outcome: "settled", result } : BUDGET_RELEASED),
          () => BUDGET_FAILED,
        );
      }
    },
  };
}
