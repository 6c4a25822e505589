import * as z from "zod";

/**
 * Wire shapes of the limits a workspace, an API key or a virtual key carries, as Portkey names them:
 * `usage_limits: { type, credit_limit, periodic_reset, alert_threshold }` and
 * `rate_limits: [{ type: "requests" | "tokens", unit: "rpm" | "rph" | "rpd", value }]`.
 * `credit_limit` and `alert_threshold` are USD for `type: "cost"` and tokens for `type: "tokens"`.
 */
export const UsageLimitSchema = z
  .object({
    type: z.enum(["cost", "tokens"]).default("cost"),
    credit_limit: z.number().nonnegative(),
    periodic_reset: z.enum(["daily", "weekly", "monthly", "none"]).default("none"),
    alert_threshold: z.number().nonnegative().optional(),
  })
  .refine((l) => l.alert_threshold === undefined || l.alert_threshold <= l.credit_limit, {
    message: "alert_threshold must not exceed credit_limit",
    path: ["alert_threshold"],
  });
export type UsageLimit = z.infer<typeof UsageLimitSchema>;

/** `usage_limits` may be one object (Portkey's shape) or a list (a cost and a token limit side by side). */
export const UsageLimitsSchema = z.union([UsageLimitSchema.transform((l) => [l]), z.array(UsageLimitSchema).max(4)]);

export const RateLimitRuleSchema = z.object({
  type: z.enum(["requests", "tokens"]),
  unit: z.enum(["rpm", "rph", "rpd"]),
  value: z.number().int().nonnegative(),
});
export type RateLimitRule = z.infer<typeof RateLimitRuleSchema>;
export type RateLimitUnit = RateLimitRule["unit"];

export const RateLimitsSchema = z.array(RateLimitRuleSchema).max(6);
