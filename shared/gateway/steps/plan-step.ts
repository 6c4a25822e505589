import { firstTargetOnly } from "../../routing/first-target";
import { type CompiledPlan, HEADER_ONLY_PLAN } from "../../routing/plan";
import type { PlanResolver } from "../../routing/plan-resolver";
import type { RequestRun, RequestStep } from "../request-run";

/**
 * Resolves the routing plan. Precedence: `x-portkey-config` (inline JSON or a saved config id), else the key's
 * default config, else the headers alone (`x-portkey-provider` / `x-portkey-virtual-key` / `@slug` model).
 * Configs are validated and compiled once into cached plans (ADR 0012); a bad one is a 400 here. A pass-through
 * row (files, batches, ...) runs the plan's first target only, once (ADR 0028).
 */
export function createPlanStep(plans: PlanResolver): RequestStep {
  return {
    name: "plan",
    before(run: RequestRun): Promise<undefined> | undefined {
      const configHeader = run.headers?.config ?? run.principal?.defaultConfigId;
      run.configId =
        configHeader && !configHeader.trimStart().startsWith("{") && configHeader.length <= 128
          ? configHeader
          : undefined;
      if (!configHeader) return usePlan(run, HEADER_ONLY_PLAN);
      const cached = plans.cachedInline(configHeader); // a repeated inline config: no await
      if (cached) return usePlan(run, cached);
      return plans.resolve(configHeader, run.principal?.workspaceId ?? "anonymous").then((plan) => usePlan(run, plan));
    },
  };

  function usePlan(run: RequestRun, plan: CompiledPlan): undefined {
    run.plan = run.route?.passThrough ? firstTargetOnly(plan) : plan;
    run.fromConfig = plan.fromConfig;
    if (plan.fromConfig) run.strategy = plan.root.kind === "strategy" ? plan.root.mode : "single";
    run.savedPlan = plans.isSaved(plan);
    return undefined;
  }
}
