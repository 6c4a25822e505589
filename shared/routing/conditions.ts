import { compileLinearRegex } from "../core/linear-regex";
import { InvalidConfigError } from "./config-schema";

/** What a conditional strategy can look at: `metadata.*` (x-portkey-metadata) and `params.*` (the request body). */
export interface RouteContext {
  readonly metadata: Readonly<Record<string, string>>;
  readonly params: Readonly<Record<string, unknown>>;
}

export type Predicate = (ctx: RouteContext) => boolean;

const COMPARISONS = new Set(["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$regex"]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `metadata.user.tier` -> a getter reading ctx.metadata.user.tier; the path is split once, at compile time. */
function compileGetter(key: string, path: string): (ctx: RouteContext) => unknown {
  const parts = key.split(".");
  const root = parts[0];
  if ((root !== "metadata" && root !== "params") || parts.length < 2 || parts.some((p) => p === "")) {
    throw new InvalidConfigError(
      `${path}: "${key}" must start with metadata. or params. (e.g. metadata.user_tier)`,
      path,
    );
  }
  const rest = parts.slice(1);
  return function readContextValue(ctx: RouteContext): unknown {
    let value: unknown = root === "metadata" ? ctx.metadata : ctx.params;
    for (const part of rest) {
      if (!isPlainObject(value)) return undefined;
      value = value[part];
    }
    return value;
  };
}

/** Numeric comparison as Portkey does it (parseFloat on both sides); NaN never matches. */
function toNumber(value: unknown): number {
  return typeof value === "number" ? value : Number.parseFloat(String(value));
}

function compileComparison(op: string, operand: unknown, path: string): (value: unknown) => boolean {
  switch (op) {
    case "$eq":
      return (v) => v === operand;
    case "$ne":
      return (v) => v !== operand;
    case "$gt": {
      const n = toNumber(operand);
      return (v) => toNumber(v) > n;
    }
    case "$gte": {
      const n = toNumber(operand);
      return (v) => toNumber(v) >= n;
    }
    case "$lt": {
      const n = toNumber(operand);
      return (v) => toNumber(v) < n;
    }
    case "$lte": {
      const n = toNumber(operand);
      return (v) => toNumber(v) <= n;
    }
    case "$in":
    case "$nin": {
      if (!Array.isArray(operand)) throw new InvalidConfigError(`${path}: ${op} needs an array`, path);
      const set = new Set<unknown>(operand);
      return op === "$in" ? (v) => set.has(v) : (v) => !set.has(v);
    }
    case "$regex": {
      if (typeof operand !== "string") throw new InvalidConfigError(`${path}: $regex needs a string`, path);
      const re = compileLinearRegex(operand, path);
      // A value longer than the pattern's input bound never matches (see linear-regex.ts).
      return (v) => {
        if (v === undefined || v === null) return false;
        const text = String(v);
        return text.length <= re.maxInput && re.test(text);
      };
    }
    default:
      throw new InvalidConfigError(
        `${path}: unsupported operator "${op}" (use ${[...COMPARISONS, "$and", "$or"].join(", ")})`,
        path,
      );
  }
}

function compileField(key: string, expected: unknown, path: string): Predicate {
  const get = compileGetter(key, path);
  if (!isPlainObject(expected)) {
    return (ctx) => get(ctx) === expected;
  }
  const tests = Object.entries(expected).map(([op, operand]) => compileComparison(op, operand, `${path}.${op}`));
  return (ctx) => {
    const value = get(ctx);
    for (const test of tests) if (!test(value)) return false;
    return true;
  };
}

/**
 * Compiles a condition query (`{"metadata.tier": {"$eq": "pro"}, "$or": [...]}`) into a predicate. Every key of
 * a query must hold (Portkey returns early on `$or`/`$and` and ignores sibling keys; we AND them all).
 */
export function compileQuery(query: unknown, path: string): Predicate {
  if (!isPlainObject(query)) throw new InvalidConfigError(`${path}: must be an object`, path);
  const parts: Predicate[] = [];
  for (const [key, value] of Object.entries(query)) {
    const at = `${path}.${key}`;
    if (key === "$and" || key === "$or") {
      if (!Array.isArray(value) || value.length === 0) {
        throw new InvalidConfigError(`${at}: must be a non-empty array of queries`, at);
      }
      const subs = value.map((q, i) => compileQuery(q, `${at}[${i}]`));
      parts.push(key === "$and" ? (ctx) => subs.every((p) => p(ctx)) : (ctx) => subs.some((p) => p(ctx)));
      continue;
    }
    if (key.startsWith("$")) throw new InvalidConfigError(`${at}: unsupported operator "${key}" at query level`, at);
    parts.push(compileField(key, value, at));
  }
  if (parts.length === 1) return parts[0] as Predicate;
  return (ctx) => {
    for (const p of parts) if (!p(ctx)) return false;
    return true;
  };
}
