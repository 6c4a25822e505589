import * as z from "zod";

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

const checksSchema = z
  .array(hookCheckSchema, { error: "must be an array of checks" })
  .min(1, "must list at least one check");

/** A hook's actions (Portkey's saved-guardrail `actions`; inline hooks carry the same keys at their top level). */
export const hookActionFields = {
  deny: z.boolean({ error: "must be a boolean" }).optional(),
  async: z.boolean({ error: "must be a boolean" }).optional(),
  on_fail: hookOutcomeSchema.optional(),
  on_success: hookOutcomeSchema.optional(),
};

/** The keys a reference to a saved guardrail may carry: `{"id": "pg-..."}` (Portkey's form), `type` optional. */
const REFERENCE_KEYS = new Set(["id", "type"]);

/**
 * One entry of a hook list: a hook written inline (with its `checks`), or a reference to a saved guardrail of the
 * workspace, `{"id": "<guardrail id>"}` without `checks` (shared/guardrails/saved-guardrails.ts resolves it; a
 * reference that names no saved guardrail is a 400).
 */
export const hookSchema = z
  .strictObject({
    id: z.string({ error: "must be a string (the hook's id)" }).min(1, "must not be empty"),
    type: z.enum(["guardrail", "mutator"], { error: 'must be "guardrail" or "mutator"' }).optional(),
    name: z.string({ error: "must be a string" }).optional(),
    /** Portkey's: run the checks one after another. Ours always do (a check sees what the one before transformed). */
    sequential: z.boolean({ error: "must be a boolean" }).optional(),
    ...hookActionFields,
    checks: checksSchema.optional(),
  })
  .superRefine(function checkHookOrReference(hook, ctx) {
    if (hook.checks === undefined) {
      for (const key of Object.keys(hook)) {
        if (REFERENCE_KEYS.has(key)) continue;
        ctx.addIssue({
          code: "custom",
          path: [key],
          message:
            'not allowed on a saved-guardrail reference (a hook without "checks"); its actions are saved with it',
        });
      }
    } else if (hook.type === undefined) {
      ctx.addIssue({ code: "custom", path: ["type"], message: 'is required: "guardrail" or "mutator"' });
    }
  });

/** A hook list entry as validated: an inline hook or a saved-guardrail reference (no `checks`). */
export type HookEntry = z.infer<typeof hookSchema>;

/** A hook with its checks: written inline, or a saved guardrail resolved. */
export interface RawHook extends HookEntry {
  readonly type: "guardrail" | "mutator";
  readonly checks: NonNullable<HookEntry["checks"]>;
}

export const hookListSchema = z.array(hookSchema, { error: "must be an array of hook objects" });
