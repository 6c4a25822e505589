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

/** Whose allowance a counter tracks. Ids are unique within a workspace. */
export type LimitOwnerKind = "workspace" | "api_key" | "virtual_key";

export interface LimitOwner {
  readonly workspaceId: string;
  readonly kind: LimitOwnerKind;
  /** The API key id, the virtual key slug, or the workspace id again for the workspace budget. */
  readonly id: string;
}

/** One budget counter: an owner and one of its usage limits. */
export interface BudgetScope extends LimitOwner {
  readonly limit: UsageLimit;
}

/** One rate-limit counter: an owner and one of its rate limits. */
export interface RateLimitScope extends LimitOwner {
  readonly rule: RateLimitRule;
}

/** What an owner declares; the gateway core flattens owners into scopes with `budgetScopesOf`/`rateScopesOf`. */
export interface LimitedOwner extends LimitOwner {
  readonly usageLimits?: readonly UsageLimit[];
  readonly rateLimits?: readonly RateLimitRule[];
}

export function budgetScopesOf(owners: readonly LimitedOwner[]): BudgetScope[] {
  const scopes: BudgetScope[] = [];
  for (const owner of owners) {
    for (const limit of owner.usageLimits ?? []) {
      scopes.push({ workspaceId: owner.workspaceId, kind: owner.kind, id: owner.id, limit });
    }
  }
  return scopes;
}

export function rateScopesOf(owners: readonly LimitedOwner[]): RateLimitScope[] {
  const scopes: RateLimitScope[] = [];
  for (const owner of owners) {
    for (const rule of owner.rateLimits ?? []) {
      scopes.push({ workspaceId: owner.workspaceId, kind: owner.kind, id: owner.id, rule });
    }
  }
  return scopes;
}

export function ownerLabel(owner: LimitOwner): string {
  return owner.kind === "workspace" ? `workspace "${owner.id}"` : `${owner.kind} "${owner.id}"`;
}
