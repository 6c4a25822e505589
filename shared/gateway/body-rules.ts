import { type BodyRules, ENDPOINT_ROWS, type Endpoint, type FieldRule, type JsonKind } from "../core/endpoints";
import { BadRequestError } from "../core/errors";

/**
 * The endpoint table's `validate` rules (shared/core/endpoints.ts), compiled once into plain functions: the parse
 * step runs the row's check on every JSON body before any upstream call. A failure is a 400
 * `invalid_request_error` worded as OpenAI words it, naming the `param` (`messages[2].role`) and OpenAI's `code`
 * (`missing_required_parameter`, `invalid_type`, `invalid_value`, `integer_below_min_value`, `empty_array`).
 * Only declared fields are looked at; every other field passes through untouched. `null` counts as absent.
 */
export type BodyCheck = (body: Readonly<Record<string, unknown>>) => void;

/**
 * Where a value sits, kept in parts so that a valid body builds no strings: the field `name` of the object at
 * `base` (`messages`), or of its item `index` when `index >= 0` (`messages[2].role`).
 */
type FieldCheck = (value: unknown, base: string, index: number, name: string) => void;
type ObjectCheck = (obj: Readonly<Record<string, unknown>>, base: string, index: number) => void;

/** Compiles one set of rules (exported for tests and benchmarks; the gateway uses `validateBody`). */
export function compileBodyRules(rules: BodyRules): BodyCheck {
  const check = compileObject(rules);
  return (body) => check(body, "", -1);
}

function compileObject(rules: BodyRules): ObjectCheck {
  const required = rules.required ?? [];
  const names = Object.keys(rules.fields ?? {});
  const checks = Object.values(rules.fields ?? {}).map(compileField);
  return (obj, base, index) => {
    for (let i = 0; i < required.length; i++) {
      const name = required[i] as string;
      const value = obj[name];
      if (value === undefined || value === null) throw missing(paramOf(base, index, name));
    }
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      const value = obj[name];
      if (value !== undefined && value !== null) (checks[i] as FieldCheck)(value, base, index, name);
    }
  };
}

function compileField(rule: FieldRule): FieldCheck {
  const kinds: readonly JsonKind[] = typeof rule.type === "string" ? [rule.type] : rule.type;
  const expected = describeExpected(kinds, rule.items !== undefined);
  const allowed = rule.enum && new Set<unknown>(rule.enum);
  const item = rule.items && compileObject(rule.items);
  const { min, minItems } = rule;
  const matches = matcher(kinds);
  return (value, base, index, name) => {
    if (!matches(value)) throw invalidType(paramOf(base, index, name), expected, kindOf(value));
    if (allowed && !allowed.has(value)) {
      throw invalidValue(paramOf(base, index, name), value as string, rule.enum ?? []);
    }
    if (min !== undefined && (value as number) < min) {
      throw belowMinimum(paramOf(base, index, name), min, value as number, kindOf(value));
    }
    if (!Array.isArray(value)) return;
    const list = value as readonly unknown[];
    if (minItems !== undefined && list.length < minItems) {
      throw tooShort(paramOf(base, index, name), minItems, list.length);
    }
    if (!item) return;
    const param = paramOf(base, index, name);
    for (let i = 0; i < list.length; i++) {
      const entry = list[i];
      const entryKind = kindOf(entry);
      if (entryKind !== "object") throw invalidType(`${param}[${i}]`, "an object", entryKind);
      item(entry as Record<string, unknown>, param, i);
    }
  };
}

type ValueKind = JsonKind | "decimal" | "null";

function kindOf(value: unknown): ValueKind {
  switch (typeof value) {
    case "string":
      return "string";
    case "boolean":
      return "boolean";
    case "number":
      return Number.isInteger(value) ? "integer" : "decimal";
    default:
      return value === null ? "null" : Array.isArray(value) ? "array" : "object";
  }
}

const IS: Readonly<Record<JsonKind, (value: unknown) => boolean>> = {
  string: (v) => typeof v === "string",
  integer: (v) => Number.isInteger(v),
  number: (v) => typeof v === "number",
  boolean: (v) => typeof v === "boolean",
  array: (v) => Array.isArray(v),
  object: (v) => typeof v === "object" && v !== null && !Array.isArray(v),
};

/** One test for the kinds a rule allows, chosen once (the common single kind is one `typeof`). */
function matcher(kinds: readonly JsonKind[]): (value: unknown) => boolean {
  const tests = kinds.map((kind) => IS[kind]);
  if (tests.length === 1) return tests[0] as (value: unknown) => boolean;
  return (value) => tests.some((test) => test(value));
}

function paramOf(base: string, index: number, name: string): string {
  if (index >= 0) return `${base}[${index}].${name}`;
  return base === "" ? name : `${base}.${name}`;
}

const ARTICLE: Readonly<Record<ValueKind, string>> = {
  string: "a string",
  integer: "an integer",
  number: "a number",
  decimal: "a decimal number",
  boolean: "a boolean",
  array: "an array",
  object: "an object",
  null: "null",
};

function describeExpected(kinds: readonly JsonKind[], arrayOfObjects: boolean): string {
  const names = kinds.map((k) => (k === "array" && arrayOfObjects ? "an array of objects" : ARTICLE[k]));
  return names.length === 1 ? (names[0] as string) : `one of ${names.slice(0, -1).join(", ")} or ${names.at(-1)}`;
}

function missing(param: string): BadRequestError {
  return new BadRequestError(`Missing required parameter: '${param}'.`, {
    param,
    code: "missing_required_parameter",
  });
}

function invalidType(param: string, expected: string, got: ValueKind): BadRequestError {
  return new BadRequestError(`Invalid type for '${param}': expected ${expected}, but got ${ARTICLE[got]} instead.`, {
    param,
    code: "invalid_type",
  });
}

function invalidValue(param: string, value: string, allowed: readonly string[]): BadRequestError {
  const quoted = allowed.map((v) => `'${v}'`);
  const list = `${quoted.slice(0, -1).join(", ")}, and ${quoted.at(-1)}`;
  return new BadRequestError(`Invalid value: '${clip(value)}'. Supported values are: ${list}.`, {
    param,
    code: "invalid_value",
  });
}

function belowMinimum(param: string, min: number, value: number, kind: ValueKind): BadRequestError {
  const what = kind === "integer" ? "integer" : "decimal";
  return new BadRequestError(
    `Invalid '${param}': ${what} below minimum value. Expected a value >= ${min}, but got ${value} instead.`,
    { param, code: `${what}_below_min_value` },
  );
}

function tooShort(param: string, minItems: number, length: number): BadRequestError {
  const got = length === 0 ? "an empty array" : `an array of length ${length}`;
  return new BadRequestError(
    `Invalid '${param}': ${length === 0 ? "empty array" : "array too short"}. Expected an array with minimum length ${minItems}, but got ${got} instead.`,
    { param, code: length === 0 ? "empty_array" : "array_below_min_length" },
  );
}

/** A client's value quoted in an error: at most 64 characters. */
function clip(value: string): string {
  return value.length > 64 ? `${value.slice(0, 64)}...` : value;
}

/** Every row's rules, compiled once when the module loads (after the helpers above are defined). */
const CHECKS: Readonly<Partial<Record<Endpoint, BodyCheck>>> = Object.freeze(
  Object.fromEntries(
    ENDPOINT_ROWS.flatMap((row) => (row.validate ? [[row.endpoint, compileBodyRules(row.validate)]] : [])),
  ),
);

/** Checks a parsed JSON body against its endpoint's rules; throws the 400 of the first violation. */
export function validateBody(endpoint: Endpoint, body: Readonly<Record<string, unknown>>): void {
  CHECKS[endpoint]?.(body);
}
