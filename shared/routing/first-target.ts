import { type CompiledPlan, type LeafNode, NO_RETRY } from "./plan";

const derived = new WeakMap<CompiledPlan, CompiledPlan>();

/**
 * The plan of a pass-through request (shared/core/endpoints.ts `passThrough`, ADR 0028): the config's first target
 * in config order, tried once. A file, batch or fine-tuning job lives in one upstream account, so a fallback or a
 * load-balanced pick would look for it (or create it) somewhere else; an upload is not retried either. Derived
 * once per compiled plan (plans are cached and immutable), so a request pays one WeakMap get.
 */
export function firstTargetOnly(plan: CompiledPlan): CompiledPlan {
  const known = derived.get(plan);
  if (known) return known;
  const first = (plan.leaves[0] ?? plan.root) as LeafNode;
  const leaf: LeafNode = first.kind === "leaf" ? Object.freeze({ ...first, retry: NO_RETRY }) : first;
  const single: CompiledPlan = Object.freeze({
    root: leaf,
    leaves: plan.leaves.length ? [leaf] : [],
    customHosts: plan.customHosts,
    fromConfig: plan.fromConfig,
  });
  derived.set(plan, single);
  return single;
}
