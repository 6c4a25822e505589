import * as z from "zod";
import { InvalidConfigError } from "../core/config-error";
import type { CheckFn, StreamRedactor } from "./types";

/**
 * A built-in check: its Portkey id, a strict parameter schema and a builder that precompiles the validated
 * parameters (regexes, schemas, word lists) into a pure `CheckFn`. Every check also takes Portkey's `not`.
 */
export interface CheckDefinition {
  readonly id: string;
  /** Validates `parameters` and builds the check; throws `InvalidConfigError` naming `at` (the parameters path). */
  compile(parameters: unknown, at: string): BuiltCheck & { readonly not: boolean; readonly failOnError: boolean };
}

/** What a builder returns: the check function, and for transforming text checks how they rewrite a stream. */
export interface BuiltCheck {
  readonly run: CheckFn;
  readonly streamRedactor?: StreamRedactor;
}

const notFlag = z.boolean({ error: "must be a boolean" }).optional();

function issuePath(at: string, path: readonly PropertyKey[]): string {
  let out = at;
  for (const part of path) out += typeof part === "number" ? `[${part}]` : `.${String(part)}`;
  return out;
}

function issueText(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") return `unknown parameter(s): ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  if (issue.code === "invalid_type" && issue.message.startsWith("Invalid input")) return `must be ${issue.expected}`;
  return issue.message;
}

/** Defines a check from a parameter shape (a strict object plus `not` and `failOnError`) and a builder. */
export function defineCheck<Shape extends z.ZodRawShape>(
  id: string,
  shape: Shape,
  build: (params: z.infer<z.ZodObject<Shape>>, at: string, not: boolean) => CheckFn | BuiltCheck,
): CheckDefinition {
  const schema = z.strictObject({ ...shape, not: notFlag, failOnError: notFlag });
  return {
    id,
    compile(parameters: unknown, at: string) {
      const parsed = schema.safeParse(parameters ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0] as z.core.$ZodIssue;
        const path = issuePath(at, issue.path);
        throw new InvalidConfigError(`${path}: ${issueText(issue)}`, path);
      }
      const { not, failOnError, ...rest } = parsed.data as { not?: boolean; failOnError?: boolean };
      const built = build(rest as z.infer<z.ZodObject<Shape>>, at, not === true);
      const check = typeof built === "function" ? { run: built } : built;
      return { ...check, not: not === true, failOnError: failOnError === true };
    },
  };
}

/** A whole number >= 0 (count limits). */
export const countLimit = z
  .number({ error: "must be a number" })
  .int("must be a whole number")
  .min(0, "must be >= 0")
  .optional();

/** Checks a `{min, max}` pair: at least one given and min <= max. */
export function rangeOf(
  min: number | undefined,
  max: number | undefined,
  names: readonly [string, string],
  at: string,
): { readonly min: number; readonly max: number } {
  if (min === undefined && max === undefined) {
    throw new InvalidConfigError(`${at}: set "${names[0]}" and/or "${names[1]}"`, at);
  }
  const lo = min ?? 0;
  const hi = max ?? Number.POSITIVE_INFINITY;
  if (lo > hi) throw new InvalidConfigError(`${at}.${names[0]}: must be <= ${names[1]} (${hi})`, `${at}.${names[0]}`);
  return { min: lo, max: hi };
}

/** The first `limit` characters of a text, for `data.textExcerpt` (as Portkey reports). */
export function excerpt(text: string, limit = 100): string {
  return text.length > limit ? `${text.slice(0, limit)}...` : text;
}
