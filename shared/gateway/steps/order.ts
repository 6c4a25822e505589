import type { PlanResolver } from "../../routing/plan-resolver";
import type { GatewayDeps } from "../gateway-deps";
import type { LeafStep } from "../leaf-run";
import type { RequestStep } from "../request-run";
import { createAuthenticateStep } from "./authenticate-step";
import { createCacheStep } from "./cache-step";
import { createGuardrailsStep } from "./guardrails-step";
import { createLimitsStep } from "./limits-step";
import { createLogStep } from "./log-step";
import { createModelsStep } from "./models-step";
import { createParseStep } from "./parse-step";
import { createPlanStep } from "./plan-step";
import { createPromptsStep } from "./prompts-step";
import { createResponsesStep } from "./responses-step";
import { createRouteStep } from "./route-step";

/** What the step lists are built from, once per process (`createGatewayCore`). */
export interface StepInputs {
  readonly deps: GatewayDeps;
  readonly plans: PlanResolver;
  readonly background: (work: Promise<unknown>) => void;
}

/**
 * The request-level steps, in order: the one place the order is written (docs/architecture.md, "One request
 * through the gateway"; ADR 0025). `before` hooks run top to bottom, `after` and `finish` hooks bottom to top.
 * A step whose dependency is not configured is left out.
 */
export function requestSteps({ deps, plans, background }: StepInputs): RequestStep[] {
  return present<RequestStep>([
    deps.prompts &&
      deps.authenticator &&
      createPromptsStep({ authenticator: deps.authenticator, prompts: deps.prompts }),
    deps.observer && createLogStep(deps.observer, background),
    createRouteStep(deps.hostGuard),
    deps.authenticator && createAuthenticateStep(deps.authenticator),
    createParseStep(deps.lookups, deps.hostGuard),
    createPlanStep(plans),
    deps.lookups && createModelsStep(deps.lookups),
    // after plan, before limits: the budget estimate sees the conversation a previous_response_id names
    deps.responses && createResponsesStep({ store: deps.responses, providers: deps.providers, background }),
    deps.limits && createLimitsStep(deps.limits, deps.lookups, background),
  ]);
}

/**
 * The per-target (leaf) steps, in order, run for every attempt the plan makes between resolving the target and the
 * upstream call (`before`), and on its answer (`after`, bottom to top).
 */
export function leafSteps({ deps, background }: StepInputs): LeafStep[] {
  return present<LeafStep>([
    deps.guardrails && createGuardrailsStep(deps.guardrails, deps),
    deps.cache &&
      createCacheStep({ cache: deps.cache, providers: deps.providers, transport: deps.transport, background }),
  ]);
}

function present<T>(steps: readonly (T | false | undefined)[]): T[] {
  return steps.filter((step): step is T => step !== undefined && step !== false);
}
