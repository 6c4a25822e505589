import type { RateLimitRule, UsageLimit } from "./limit-schemas";

/**
 * The limits a workspace, an API key or a virtual key carries, as the gateway counts them. Their wire shapes and
 * schemas are in `limit-schemas.ts`, loaded only where stored limits are parsed (ADR 0044).
 */
export type { RateLimitRule, RateLimitUnit, UsageLimit } from "./limit-schemas";

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
