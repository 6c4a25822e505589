import { BadRequestError } from "../core/errors";
import { parseTemplate, type TemplateNode } from "./template-parser";

/** Partials a render may include, by the name templates use (`id` or `id@n`), already resolved and checked. */
export type PartialTemplates = ReadonlyMap<string, readonly TemplateNode[]>;

/** Partials nest at most this deep (checked when they are resolved; rendering stops here too). */
export const MAX_PARTIAL_DEPTH = 4;

/**
 * Rendering of the prompt template language (see template-parser.ts for the syntax). A template is parsed once
 * (`compileTemplate`, when a prompt version is first used) and rendered per request by walking the nodes: no
 * parsing on the request path, and a variable's value is only ever copied into the output, never parsed as a
 * template again (no template injection).
 *
 * Values: strings as they are; numbers and booleans as `String(value)`; `null` as ""; objects and arrays as JSON.
 * A `{{name}}` whose value is absent is "missing": the caller turns the collected names into one 400. Sections
 * treat an absent value as false, so `{{#name}}...{{/name}}` makes a variable optional.
 */
export interface CompiledTemplate {
  readonly source: string;
  readonly nodes: readonly TemplateNode[];
}

export function compileTemplate(source: string, param?: string): CompiledTemplate {
  return { source, nodes: parseTemplate(source, param) };
}

/** The variables a request did not supply although the template interpolates them; one 400 names them all. */
export class MissingVariablesError extends BadRequestError {
  readonly missing: readonly string[];
  constructor(missing: readonly string[]) {
    super(`Missing prompt variables: ${missing.join(", ")}.`, { param: "variables", code: "missing_variables" });
    this.missing = missing;
  }
}

type Container = Readonly<Record<string, unknown>>;

function isContainer(value: unknown): value is Container {
  return typeof value === "object" && value !== null;
}

/** Own properties only: `{{constructor}}` or `{{__proto__}}` never reach the prototype chain. */
function lookup(stack: readonly unknown[], path: readonly string[]): unknown {
  if (path.length === 0) return stack[stack.length - 1];
  const head = path[0] as string;
  for (let i = stack.length - 1; i >= 0; i--) {
    const context = stack[i];
    if (!isContainer(context) || !Object.hasOwn(context, head)) continue;
    let value: unknown = context[head];
    for (let j = 1; j < path.length; j++) {
      const segment = path[j] as string;
      if (!isContainer(value) || !Object.hasOwn(value, segment)) return undefined;
      value = value[segment];
    }
    return value;
  }
  return undefined;
}

function stringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return "";
  }
}

function format(value: unknown): string {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
    case "boolean":
    case "bigint":
      return String(value);
    case "object":
      return value === null ? "" : stringify(value);
    default:
      return "";
  }
}

function truthy(value: unknown): boolean {
  return Array.isArray(value) ? value.length > 0 : Boolean(value);
}

interface RenderState {
  readonly stack: unknown[];
  readonly missing: Set<string>;
  readonly out: string[];
  readonly partials: PartialTemplates | undefined;
}

function renderNodes(nodes: readonly TemplateNode[], state: RenderState, depth: number): void {
  const { stack, missing, out } = state;
  for (const node of nodes) {
    if (node.kind === "text") {
      out.push(node.text);
      continue;
    }
    if (node.kind === "partial") {
      const included = state.partials?.get(node.name);
      if (included === undefined || depth >= MAX_PARTIAL_DEPTH) throw partialNotFound(node.name);
      renderNodes(included, state, depth + 1);
      continue;
    }
    const value = lookup(stack, node.path);
    if (node.kind === "variable") {
      if (value === undefined) missing.add(node.name);
      else out.push(format(value));
      continue;
    }
    if (node.inverted) {
      if (!truthy(value)) renderNodes(node.children, state, depth);
      continue;
    }
    if (!truthy(value)) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      stack.push(item);
      renderNodes(node.children, state, depth);
      stack.pop();
    }
  }
}

/** A partial a template includes is not (or no longer) there: 400, before any upstream call. */
export function partialNotFound(name: string): BadRequestError {
  return new BadRequestError(`Prompt partial '${name}' not found.`, { param: "string", code: "partial_not_found" });
}

/**
 * Renders with `variables` as the root context; names of absent `{{variables}}` are added to `missing`.
 * `partials`: the resolved partials the template includes (`{{> name}}`).
 */
export function renderTemplate(
  template: CompiledTemplate,
  variables: unknown,
  missing: Set<string>,
  partials?: PartialTemplates,
): string {
  const out: string[] = [];
  renderNodes(template.nodes, { stack: [variables], missing, out, partials }, 0);
  return out.join("");
}

/** Renders and throws `MissingVariablesError` when anything interpolated was absent. */
export function renderOrThrow(template: CompiledTemplate, variables: unknown, partials?: PartialTemplates): string {
  const missing = new Set<string>();
  const text = renderTemplate(template, variables, missing, partials);
  if (missing.size > 0) throw new MissingVariablesError([...missing].sort());
  return text;
}
