import * as z from "zod";

/**
 * Building blocks for query schemas. A query value arrives as a string (or, repeated, as an array of strings:
 * see `queryObject`); an empty value counts as absent. Each block documents itself as the type it parses to, so the
 * OpenAPI document shows `integer 1..100` rather than `string`.
 */

/** An optional number in [min, max] (no `max`: unbounded above; `integer` requires a whole number). */
export function numberParam(name: string, opts: { min: number; max?: number; integer?: boolean }) {
  const kind = opts.integer ? "an integer" : "a number";
  const max = opts.max ?? Number.POSITIVE_INFINITY;
  const message =
    opts.max === undefined
      ? `${name} must be ${kind} of at least ${opts.min}.`
      : `${name} must be ${kind} between ${opts.min} and ${opts.max}.`;
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === "") return undefined;
      const value = Number(raw);
      const ok = opts.integer ? Number.isInteger(value) : Number.isFinite(value);
      if (ok && value >= opts.min && value <= max) return value;
      ctx.addIssue({ code: "custom", message });
      return z.NEVER;
    })
    .meta({
      type: opts.integer ? "integer" : "number",
      minimum: opts.min,
      ...(opts.max === undefined ? {} : { maximum: opts.max }),
    });
}

/** An optional integer in [min, max]. */
export function intParam(name: string, min: number, max: number) {
  return numberParam(name, { min, max, integer: true });
}

/** An optional string of at most `max` characters. */
export function textParam(max: number) {
  return z
    .string()
    .max(max)
    .optional()
    .transform((raw) => (raw === "" ? undefined : raw));
}

export const MAX_LIST_ITEMS = 50;
export const MAX_VALUE_LENGTH = 256;

/**
 * An optional comma-separated list (repeating the parameter adds to it): trimmed, empty items dropped, at most
 * `MAX_LIST_ITEMS` values of at most `MAX_VALUE_LENGTH` characters each.
 */
export function listParam(name: string) {
  return z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined) return undefined;
      const items = (Array.isArray(raw) ? raw.join(",") : raw)
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      if (items.length === 0) return undefined;
      if (items.length > MAX_LIST_ITEMS) {
        ctx.addIssue({ code: "custom", message: `${name} accepts at most ${MAX_LIST_ITEMS} values.` });
        return z.NEVER;
      }
      if (items.some((item) => item.length > MAX_VALUE_LENGTH)) {
        ctx.addIssue({ code: "custom", message: `${name} values are at most ${MAX_VALUE_LENGTH} characters.` });
        return z.NEVER;
      }
      return items;
    })
    .meta({ description: "Comma-separated values (or the parameter repeated)." });
}
