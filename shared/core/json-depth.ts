/**
 * Nesting depth of parsed JSON. Code that walks a request body or a config recursively (cache-key
 * canonicalisation, the budget estimator, the config compiler, JSON Schema) would overflow the stack on input
 * nested thousands deep and answer 500; the boundaries refuse such input with a 400 instead. No real request or
 * config comes near the limit: OpenAI's own JSON Schemas stop at 10 levels.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether `value` nests objects/arrays more than `limit` levels deep (`{}` is one level). Visits containers only,
 * and stops at the first path that is too deep; recursion is bounded by `limit` itself.
 */
export function nestedDeeperThan(value: unknown, limit: number = MAX_JSON_DEPTH): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (limit <= 0) return true;
  if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item === "object" && item !== null && nestedDeeperThan(item, limit - 1)) return true;
    }
    return false;
  }
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (typeof item === "object" && item !== null && nestedDeeperThan(item, limit - 1)) return true;
  }
  return false;
}
