import type { OutputUnit, Schema, Validator } from "@cfworker/json-schema";
import { InvalidConfigError } from "../core/config-error";
import { EngineNotLoadedError, lazyEngine } from "../core/lazy-engine";
import { compileLinearRegex } from "../core/linear-regex";

/**
 * `default.jsonSchema`'s schemas, validated by a maintained library (`@cfworker/json-schema`, as Portkey uses):
 * JSON Schema draft 2020-12 in full (`$ref`, `$defs`, `oneOf`, `if`/`then`, `unevaluatedProperties`, `format` ...),
 * compiled once per config.
 *
 * One change on the way in: the library runs `pattern` with JavaScript's backtracking engine, so every `pattern`
 * is moved to a `format` that runs it on RE2 (shared/core/linear-regex.ts; refused when it is not RE2-compatible).
 * `patternProperties` (property names matched on the backtracking engine inside the library) is refused: use
 * `propertyNames` with a `pattern`.
 *
 * The library loads with the first schema compiled, not at cold start (`withEngines`, ADR 0041).
 */
export interface SchemaIssue {
  readonly path: string;
  readonly message: string;
}

export type JsonValidator = (value: unknown) => readonly SchemaIssue[];

const cfworker = lazyEngine("JSON Schema", () => import("@cfworker/json-schema"));

/** Formats that run a config's pattern on RE2, by pattern text (shared by every schema that uses the pattern). */
const LINEAR_FORMAT_PREFIX = "gateway-linear-pattern:";
const registered = new Set<string>();

function linearFormat(pattern: string, at: string): string {
  const name = `${LINEAR_FORMAT_PREFIX}${pattern}`;
  if (!registered.has(name)) {
    const regex = compileLinearRegex(pattern, at);
    cfworker.get().format[name] = (value: string) => value.length <= regex.maxInput && regex.test(value);
    registered.add(name);
  }
  return name;
}

/** A copy of the schema with every `pattern` moved onto RE2; throws `InvalidConfigError` naming the path. */
function linearized(node: unknown, at: string): unknown {
  if (Array.isArray(node)) return node.map((item, i) => linearized(item, `${at}[${i}]`));
  if (!node || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  let patternFormat: string | undefined;
  for (const [key, value] of Object.entries(node)) {
    const here = `${at}.${key}`;
    if (key === "patternProperties") {
      throw new InvalidConfigError(
        `${here}: not supported (use "propertyNames" with a "pattern": patterns run on the linear-time engine)`,
        here,
      );
    }
    if (key === "pattern" && typeof value === "string") {
      patternFormat = linearFormat(value, here);
      continue;
    }
    // `const`, `enum`, `default` and `examples` hold data, not schemas: copied as they are
    out[key] =
      key === "const" || key === "enum" || key === "default" || key === "examples" ? value : linearized(value, here);
  }
  if (patternFormat) {
    const allOf = Array.isArray(out.allOf) ? out.allOf : [];
    out.allOf = [...allOf, { format: patternFormat }];
  }
  return out;
}

function issuesOf(errors: readonly OutputUnit[]): SchemaIssue[] {
  // the library reports each failure with its parents (allOf, properties ...): keep the innermost ones first
  return errors
    .filter((e) => !e.error.startsWith("Property") && !e.error.startsWith("Items did not match"))
    .concat(errors)
    .slice(0, 10)
    .map((e) => ({ path: `$${e.instanceLocation.slice(1).replaceAll("/", ".")}`, message: e.error }))
    .filter((issue, i, all) => all.findIndex((o) => o.path === issue.path && o.message === issue.message) === i);
}

/** Compiles a schema once (at config compile time); the validator returns the issues, none when valid. */
export function compileJsonSchema(schema: unknown, at: string): JsonValidator {
  if (typeof schema !== "boolean" && (typeof schema !== "object" || schema === null || Array.isArray(schema))) {
    throw new InvalidConfigError(`${at}: must be a JSON Schema (an object or a boolean)`, at);
  }
  const engine = cfworker.get();
  let validator: Validator;
  try {
    validator = new engine.Validator(linearized(schema, at) as Schema | boolean, "2020-12", false);
  } catch (err) {
    if (err instanceof InvalidConfigError || err instanceof EngineNotLoadedError) throw err;
    throw new InvalidConfigError(`${at}: not a valid JSON Schema (${(err as Error).message})`, at);
  }
  return (value) => {
    const result = validator.validate(value);
    return result.valid ? [] : issuesOf(result.errors);
  };
}
