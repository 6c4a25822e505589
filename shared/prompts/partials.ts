import { BadRequestError } from "../core/errors";
import { splitPartialName } from "./prompt-reference";
import { MAX_PARTIAL_DEPTH, type PartialTemplates, partialNotFound } from "./render";
import { parseTemplate, partialNames, type TemplateNode } from "./template-parser";

/**
 * Prompt partials (Portkey's `/v1/prompts/partials`): templates that prompts include with `{{> <id>}}` (the
 * published version) or `{{> <id>@<n>}}`. Includes are resolved per workspace before a template is rendered, and
 * checked when a prompt or partial is saved: a missing partial, a cycle, more than `MAX_PARTIALS` partials or
 * nesting deeper than `MAX_PARTIAL_DEPTH` is a 400, so rendering never recurses without bound.
 */
export const MAX_PARTIALS = 16;
/** A partial's text, at most (a prompt's template is bounded by the request body cap). */
export const MAX_PARTIAL_BYTES = 50_000;

/** A partial version parsed: its nodes and the partials it includes in turn. */
export interface CompiledPartial {
  readonly nodes: readonly TemplateNode[];
  readonly partials: readonly string[];
}

export type PartialLoader = (name: string) => Promise<CompiledPartial | undefined>;

export { splitPartialName };

/** Parses a partial's text (a syntax error is a 400 with line and column). */
export function compilePartial(template: string): CompiledPartial {
  const nodes = parseTemplate(template, "string");
  return { nodes, partials: Object.freeze([...partialNames(nodes)]) };
}

/**
 * Every partial `names` include, transitively, loaded with `load`: the map rendering takes. `own` is the slug of a
 * partial being saved, which none of them may include (a cycle through it).
 */
export async function resolvePartials(
  names: readonly string[],
  load: PartialLoader,
  own?: string,
): Promise<PartialTemplates> {
  const resolved = new Map<string, readonly TemplateNode[]>();
  async function visit(name: string, path: readonly string[]): Promise<void> {
    if (path.includes(name) || (own !== undefined && splitPartialName(name).slug === own)) {
      throw new BadRequestError(`Prompt partials include each other in a cycle: ${[...path, name].join(" -> ")}.`, {
        param: "string",
        code: "invalid_template",
      });
    }
    if (path.length >= MAX_PARTIAL_DEPTH) {
      throw new BadRequestError(`Prompt partials nest deeper than ${MAX_PARTIAL_DEPTH} levels.`, {
        param: "string",
        code: "invalid_template",
      });
    }
    let partial: CompiledPartial | undefined;
    if (!resolved.has(name)) {
      partial = await load(name);
      if (partial === undefined) throw partialNotFound(name);
      resolved.set(name, partial.nodes);
      if (resolved.size > MAX_PARTIALS) {
        throw new BadRequestError(`A template may include at most ${MAX_PARTIALS} partials.`, {
          param: "string",
          code: "invalid_template",
        });
      }
    } else {
      partial = await load(name);
    }
    for (const child of partial?.partials ?? []) await visit(child, [...path, name]);
  }
  for (const name of names) await visit(name, []);
  return resolved;
}
