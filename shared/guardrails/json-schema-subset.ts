import { InvalidConfigError } from "../core/config-error";
import { compileLinearRegex } from "../core/linear-regex";

/**
 * A small JSON Schema validator, compiled once per config. Supported keywords: `type` (string or list), `enum`,
 * `const`, `properties`, `required`, `additionalProperties` (boolean or schema), `items` (one schema),
 * `minItems`/`maxItems`, `minLength`/`maxLength` (code points), `pattern`, `minimum`/`maximum`,
 * `exclusiveMinimum`/`exclusiveMaximum` (numbers). Annotations (`$schema`, `$id`, `$comment`, `title`,
 * `description`, `default`, `examples`) are accepted and ignored. Any other keyword is a config error: a schema
 * is never half-applied in silence.
 */
export interface SchemaIssue {
  readonly path: string;
  readonly message: string;
}

export type JsonValidator = (value: unknown, path: string, issues: SchemaIssue[]) => void;

const ANNOTATIONS = new Set(["$schema", "$id", "$comment", "title", "description", "default", "examples"]);
const TYPES = new Set(["string", "number", "integer", "boolean", "object", "array", "null"]);
export const SUPPORTED_KEYWORDS = [
  "type",
  "enum",
  "const",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "minItems",
  "maxItems",
  "minLength",
  "maxLength",
  "pattern",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
] as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function hasType(value: unknown, type: string): boolean {
  if (type === "integer") return typeof value === "number" && Number.isInteger(value);
  if (type === "number") return typeof value === "number" && Number.isFinite(value);
  return typeOf(value) === type;
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && jsonEqual(a[k], b[k]));
  }
  return false;
}

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function bad(at: string, message: string): never {
  throw new InvalidConfigError(`${at}: ${message}`, at);
}

function count(value: unknown, at: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) bad(at, "must be a whole number >= 0");
  return value;
}

function num(value: unknown, at: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) bad(at, "must be a number");
  return value;
}

function keyword(key: string, value: unknown, schema: Record<string, unknown>, at: string): JsonValidator | undefined {
  const here = `${at}.${key}`;
  switch (key) {
    case "type": {
      const types = Array.isArray(value) ? value : [value];
      if (types.length === 0 || !types.every((t) => typeof t === "string" && TYPES.has(t))) {
        bad(here, `must be one of ${[...TYPES].join(", ")} (or a list of them)`);
      }
      const list = types as string[];
      return (v, p, issues) => {
        if (!list.some((t) => hasType(v, t))) issues.push({ path: p, message: `must be ${list.join(" or ")}` });
      };
    }
    case "enum": {
      if (!Array.isArray(value) || value.length === 0) bad(here, "must be a non-empty array");
      return (v, p, issues) => {
        if (!value.some((e) => jsonEqual(e, v))) issues.push({ path: p, message: "must be one of the enum values" });
      };
    }
    case "const":
      return (v, p, issues) => {
        if (!jsonEqual(value, v)) issues.push({ path: p, message: `must be ${JSON.stringify(value)}` });
      };
    case "properties": {
      if (!isObject(value)) bad(here, "must be an object of schemas");
      const props = Object.entries(value).map(([name, s]) => [name, compileJsonSchema(s, `${here}.${name}`)] as const);
      return (v, p, issues) => {
        if (!isObject(v)) return;
        for (const [name, validate] of props) if (name in v) validate(v[name], `${p}.${name}`, issues);
      };
    }
    case "required": {
      if (!Array.isArray(value) || !value.every((k) => typeof k === "string")) bad(here, "must be an array of strings");
      const keys = value as string[];
      return (v, p, issues) => {
        if (!isObject(v)) return;
        for (const k of keys) if (!(k in v)) issues.push({ path: `${p}.${k}`, message: "is required" });
      };
    }
    case "additionalProperties": {
      const known = new Set(isObject(schema.properties) ? Object.keys(schema.properties) : []);
      const validate = compileJsonSchema(value, here);
      return (v, p, issues) => {
        if (!isObject(v)) return;
        for (const k of Object.keys(v)) {
          if (known.has(k)) continue;
          if (value === false) issues.push({ path: `${p}.${k}`, message: "is not allowed" });
          else validate(v[k], `${p}.${k}`, issues);
        }
      };
    }
    case "items": {
      if (Array.isArray(value)) bad(here, "must be one schema (tuple schemas are not supported)");
      const validate = compileJsonSchema(value, here);
      return (v, p, issues) => {
        if (!Array.isArray(v)) return;
        for (let i = 0; i < v.length; i++) validate(v[i], `${p}[${i}]`, issues);
      };
    }
    case "minItems":
    case "maxItems": {
      const limit = count(value, here);
      const min = key === "minItems";
      return (v, p, issues) => {
        if (Array.isArray(v) && (min ? v.length < limit : v.length > limit)) {
          issues.push({ path: p, message: `must have ${min ? "at least" : "at most"} ${limit} items` });
        }
      };
    }
    case "minLength":
    case "maxLength": {
      const limit = count(value, here);
      const min = key === "minLength";
      return (v, p, issues) => {
        if (typeof v !== "string") return;
        const n = codePoints(v);
        if (min ? n < limit : n > limit) {
          issues.push({ path: p, message: `must have ${min ? "at least" : "at most"} ${limit} characters` });
        }
      };
    }
    case "pattern": {
      if (typeof value !== "string") bad(here, "must be a regular expression (a string)");
      const regex = compileLinearRegex(value, here);
      return (v, p, issues) => {
        if (typeof v !== "string") return;
        if (v.length > regex.maxInput) {
          issues.push({
            path: p,
            message: `is longer than ${regex.maxInput} characters, the most ${value} may search`,
          });
        } else if (!regex.test(v)) {
          issues.push({ path: p, message: `must match ${value}` });
        }
      };
    }
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum": {
      const limit = num(value, here);
      const test: (n: number) => boolean =
        key === "minimum"
          ? (n) => n >= limit
          : key === "maximum"
            ? (n) => n <= limit
            : key === "exclusiveMinimum"
              ? (n) => n > limit
              : (n) => n < limit;
      return (v, p, issues) => {
        if (typeof v === "number" && !test(v)) issues.push({ path: p, message: `must satisfy ${key} ${limit}` });
      };
    }
    default:
      if (ANNOTATIONS.has(key)) return undefined;
      return bad(here, `unsupported JSON Schema keyword (supported: ${SUPPORTED_KEYWORDS.join(", ")})`);
  }
}

/** Compiles a schema (`true`, `false` or an object) into a validator; throws `InvalidConfigError` naming `at`. */
export function compileJsonSchema(schema: unknown, at: string): JsonValidator {
  if (schema === true) return () => {};
  if (schema === false) return (_v, p, issues) => issues.push({ path: p, message: "no value is allowed here" });
  if (!isObject(schema)) bad(at, "must be a JSON Schema (an object)");
  const parts: JsonValidator[] = [];
  for (const [key, value] of Object.entries(schema)) {
    const part = keyword(key, value, schema, at);
    if (part) parts.push(part);
  }
  return function validateJson(value, path, issues) {
    for (const part of parts) part(value, path, issues);
  };
}
