import * as z from "zod";
import { hookActionFields, hookCheckSchema } from "./hook-schema";

/** `checks` of a saved guardrail (`saved-guardrails.ts`): the check objects an inline hook has. */
export const guardrailChecksSchema = z
  .array(hookCheckSchema, { error: "must be an array of checks" })
  .min(1, "must list at least one check");

/** `actions` of a saved guardrail: Portkey's `{deny, async, on_success, on_fail}`. */
export const guardrailActionsSchema = z.strictObject(hookActionFields, { error: "must be an object" });

export type GuardrailChecks = z.infer<typeof guardrailChecksSchema>;
export type GuardrailActions = z.infer<typeof guardrailActionsSchema>;
