import { z } from "zod";

/**
 * The wire shape of one hook in `before_request_hooks` / `after_request_hooks` (Portkey's raw guardrail JSON).
 * The config schema validates hooks with it, so bad fields come back as 400 `invalid_config` with their path;
 * check ids and parameters are validated when the hooks are compiled (compile-hooks.ts).
 */
const feedbackSchema = z.strictObject({
  value: z.number({ error: "must be a number" }).optional(),
  weight: z.number({ error: "must be a number" }).optional(),
  metadata: z.record(z.string(), z.unknown(), { error: "must be an object" }).optional(),
});

export const hookOutcomeSchema = z.strictObject({ feedback: feedbackSchema.optional() });

export const hookCheckSchema = z.strictObject({
  id: z.string({ error: "must be a check id, e.g. default.regexMatch" }).min(1, "must not be empty"),
  parameters: z.record(z.string(), z.unknown(), { error: "must be an object" }).optional(),
  is_enabled: z.boolean({ error: "must be a boolean" }).optional(),
});

export const hookSchema = z.strictObject({
  id: z.string({ error: "must be a string (the hook's id)" }).min(1, "must not be empty"),
  type: z.enum(["guardrail", "mutator"], { error: 'must be "guardrail" or "mutator"' }),
  name: z.string({ error: "must be a string" }).optional(),
  /** Portkey's: run the checks one after another. Ours always do (a check sees what the one before transformed). */
  sequential: z.boolean({ error: "must be a boolean" }).optional(),
  deny: z.boolean({ error: "must be a boolean" }).optional(),
  async: z.boolean({ error: "must be a boolean" }).optional(),
  on_fail: hookOutcomeSchema.optional(),
  on_success: hookOutcomeSchema.optional(),
  checks: z
    .array(hookCheckSchema, {
      error: (issue) =>
        issue.input === undefined
          ? "is required (hooks that refer to saved guardrails by id are not supported yet)"
          : "must be an array of checks",
    })
    .min(1, "must list at least one check"),
});

export type RawHook = z.infer<typeof hookSchema>;

export const hookListSchema = z.array(hookSchema, { error: "must be an array of hook objects" });
