import * as z from "zod";
import { type CheckDefinition, defineCheck } from "../check-definition";
import { compileJsonSchema, type SchemaIssue } from "../json-schema";

/** At most this many JSON candidates are kept, and this many `{...}` spans tried, per text (bounded work). */
const MAX_CANDIDATES = 20;
const MAX_SPANS = 100;
const CODE_BLOCK = /```+(?:json)?[ \t]*\r?\n?([\s\S]*?)```+/g;

function tryParse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** End index (exclusive) of the balanced `{...}` or `[...]` starting at `start`, or -1. Respects JSON strings. */
function balancedEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/**
 * JSON values in a model's answer, in order of confidence: the whole text, fenced code blocks, then every balanced
 * top-level `{...}` in the prose (nested objects work, unlike a non-greedy regex).
 */
export function extractJson(text: string): unknown[] {
  const found: unknown[] = [];
  const trimmed = text.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    const whole = tryParse(trimmed);
    if (whole.ok) return [whole.value];
  }
  for (const match of text.matchAll(CODE_BLOCK)) {
    const parsed = tryParse((match[1] ?? "").trim());
    if (parsed.ok) found.push(parsed.value);
    if (found.length >= MAX_CANDIDATES) return found;
  }
  let spans = 0;
  for (let i = text.indexOf("{"); i !== -1 && found.length < MAX_CANDIDATES; i = text.indexOf("{", i + 1)) {
    if (++spans > MAX_SPANS) break;
    const end = balancedEnd(text, i);
    if (end === -1) break;
    const parsed = tryParse(text.slice(i, end));
    if (parsed.ok) {
      found.push(parsed.value);
      i = end - 1;
    }
  }
  return found;
}

/** `default.jsonSchema`: some JSON value in the text satisfies `schema` (JSON Schema 2020-12, see json-schema.ts). */
export const jsonSchema: CheckDefinition = defineCheck(
  "default.jsonSchema",
  { schema: z.unknown().refine((s) => s !== undefined, "is required") },
  function buildJsonSchema({ schema }, at) {
    const validate = compileJsonSchema(schema, `${at}.schema`);
    return function jsonSchemaCheck({ text }) {
      const candidates = extractJson(text);
      let issues: readonly SchemaIssue[] = [];
      for (const value of candidates) {
        issues = validate(value);
        if (issues.length === 0) {
          return {
            verdict: true,
            data: { matchedJson: value, explanation: "Successfully validated JSON against the provided schema." },
          };
        }
      }
      return {
        verdict: false,
        data: candidates.length
          ? {
              matchedJson: candidates.at(-1),
              explanation: "Failed to validate JSON against the provided schema.",
              validationErrors: issues.slice(0, 10),
            }
          : { explanation: "No valid JSON found in the text." },
      };
    };
  },
);

const OPERATORS = ["any", "all", "none"] as const;

/** `default.jsonKeys`: a JSON object in the text has any / all / none of `keys` at its top level. */
export const jsonKeys: CheckDefinition = defineCheck(
  "default.jsonKeys",
  {
    keys: z
      .array(z.string({ error: "must be a string" }), { error: "must be an array of key names" })
      .min(1, "must name at least one key"),
    operator: z.enum(OPERATORS, { error: `must be one of: ${OPERATORS.join(", ")}` }).optional(),
  },
  function buildJsonKeys({ keys, operator = "any" }) {
    const list = Object.freeze([...keys]);
    return function jsonKeysCheck({ text }) {
      let last: Record<string, unknown> | undefined;
      for (const value of extractJson(text)) {
        if (typeof value !== "object" || value === null || Array.isArray(value)) continue;
        const present = list.filter((k) => Object.hasOwn(value, k));
        const missing = list.filter((k) => !Object.hasOwn(value, k));
        const verdict =
          operator === "any" ? present.length > 0 : operator === "all" ? missing.length === 0 : present.length === 0;
        last = {
          matchedJson: value,
          explanation: `${verdict ? "Matched" : "Failed to match"} the '${operator}' keys criteria.`,
          presentKeys: present,
          missingKeys: missing,
        };
        if (verdict) return { verdict, data: last };
      }
      return {
        verdict: false,
        data: last ?? { explanation: "No JSON object found in the text.", requiredKeys: list, operator },
      };
    };
  },
);
