import * as z from "zod";
import { RateLimitRuleSchema, UsageLimitSchema } from "../limits/limit-schemas";

/**
 * `usage_limits` / `rate_limits` of workspaces, API keys and virtual keys: stored as sent, but only when they parse
 * exactly as the gateway will parse them on every request.
 */
export const usageLimitsSchema = z
  .record(z.string(), z.unknown())
  .refine((v) => UsageLimitSchema.safeParse(v).success, {
    message:
      "usage_limits must be { type: cost|tokens, credit_limit, periodic_reset?: daily|weekly|monthly|none, alert_threshold? }",
  });

export const rateLimitSchema = z
  .record(z.string(), z.unknown())
  .refine((v) => RateLimitRuleSchema.safeParse(v).success, {
    message: "each rate limit must be { type: requests|tokens, unit: rpm|rph|rpd, value }",
  });
