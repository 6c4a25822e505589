import { BadRequestError } from "../core/errors";

/**
 * The mustache subset prompts use (docs/prompts.md, ADR 0021): `{{name}}`, `{{a.b}}`, `{{.}}`, `{{{name}}}` and
 * `{{& name}}` (the same as `{{name}}`: chat prompts are not HTML, nothing is ever escaped), sections
 * `{{#name}}...{{/name}}`, inverted sections `{{^name}}...{{/name}}` and comments `{{! ...}}`. Section, inverted,
 * closing and comment tags alone on their line take the line with them (mustache's "standalone" rule).
 * Partials `{{> <partial id>}}` (or `{{> <id>@<version>}}`) include a saved prompt partial of the workspace,
 * rendered in the current context (shared/prompts/partials.ts resolves them); delimiter changes (`{{=<% %>=}}`)
 * are refused when the prompt is saved.
 */
export type TemplateNode =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "variable"; readonly name: string; readonly path: readonly string[] }
  | {
      readonly kind: "section";
      readonly name: string;
      readonly path: readonly string[];
      readonly inverted: boolean;
      readonly children: readonly TemplateNode[];
    }
  | { readonly kind: "partial"; readonly name: string };

/** What `{{> name}}` may name: a partial id (slug), optionally pinned to a version. */
export const PARTIAL_REFERENCE = /^[a-z0-9][a-z0-9-]{0,62}(?:@[1-9][0-9]{0,8})?$/;

/** Sections nest at most this deep (keeps rendering's recursion bounded whatever a template says). */
export const MAX_SECTION_DEPTH = 32;

const STANDALONE_TAIL = /[ \t]*(?:\r?\n|$)/y;
const BLANK = /^[ \t]*$/;
const NAME = /^[^\s{}]+$/;

export class TemplateSyntaxError extends BadRequestError {
  constructor(message: string, source: string, index: number, param: string) {
    const before = source.slice(0, index);
    const line = before.split("\n").length;
    const column = index - before.lastIndexOf("\n");
    super(`Invalid template at line ${line}, column ${column}: ${message}`, { param, code: "invalid_template" });
  }
}

interface OpenSection {
  readonly name: string;
  readonly path: readonly string[];
  readonly inverted: boolean;
  readonly children: TemplateNode[];
  readonly at: number;
}

function pathOf(name: string): readonly string[] {
  return name === "." ? [] : name.split(".");
}

/** Parses a template into nodes; a syntax problem is a `TemplateSyntaxError` (400) naming line and column. */
export function parseTemplate(source: string, param = "string"): readonly TemplateNode[] {
  const root: TemplateNode[] = [];
  const open: OpenSection[] = [];
  let current = root;
  let textStart = 0;
  let cursor = 0;

  function fail(message: string, at: number): never {
    throw new TemplateSyntaxError(message, source, at, param);
  }
  function pushText(text: string): void {
    if (text !== "") current.push({ kind: "text", text });
  }

  for (;;) {
    const start = source.indexOf("{{", cursor);
    if (start === -1) break;
    const triple = source.startsWith("{{{", start);
    const closer = triple ? "}}}" : "}}";
    const innerStart = start + (triple ? 3 : 2);
    const close = source.indexOf(closer, innerStart);
    if (close === -1) fail(`'${triple ? "{{{" : "{{"}' is never closed with '${closer}'.`, start);
    let end = close + closer.length;
    const inner = source.slice(innerStart, close).trim();
    const sigil = triple ? "{" : (inner[0] ?? "");
    const kind = "#^/!&>=".includes(sigil) && sigil !== "" ? sigil : "{";
    const name = triple || kind === "{" ? inner : inner.slice(1).trim();

    let text = source.slice(textStart, start);
    if (kind === "#" || kind === "^" || kind === "/" || kind === "!" || kind === ">") {
      const lineStart = source.lastIndexOf("\n", start - 1) + 1;
      STANDALONE_TAIL.lastIndex = end;
      const tail = STANDALONE_TAIL.exec(source);
      if (textStart <= lineStart && BLANK.test(source.slice(lineStart, start)) && tail) {
        text = source.slice(textStart, lineStart);
        end += tail[0].length;
      }
    }
    pushText(text);
    textStart = end;
    cursor = end;

    if (kind === "!") continue;
    if (kind === ">") {
      if (!PARTIAL_REFERENCE.test(name))
        fail(`'{{> ${name}}}' must name a partial by its id (optionally @<version>).`, start);
      current.push({ kind: "partial", name });
      continue;
    }
    if (kind === "=") fail("changing delimiters ({{=...=}}) is not supported.", start);
    if (!NAME.test(name)) fail(`'${source.slice(start, end).trim()}' does not name a variable.`, start);
    if (name !== "." && name.split(".").some((segment) => segment === "")) {
      fail(`'${name}' is not a valid variable path.`, start);
    }
    if (kind === "#" || kind === "^") {
      if (open.length >= MAX_SECTION_DEPTH) fail(`sections nest deeper than ${MAX_SECTION_DEPTH} levels.`, start);
      const section: OpenSection = { name, path: pathOf(name), inverted: kind === "^", children: [], at: start };
      open.push(section);
      current = section.children;
      continue;
    }
    if (kind === "/") {
      const section = open.pop();
      if (section === undefined) fail(`'{{/${name}}}' closes a section that was never opened.`, start);
      if (section.name !== name)
        fail(`'{{/${name}}}' closes '{{${section.inverted ? "^" : "#"}${section.name}}}'.`, start);
      current = open.at(-1)?.children ?? root;
      current.push({
        kind: "section",
        name: section.name,
        path: section.path,
        inverted: section.inverted,
        children: section.children,
      });
      continue;
    }
    current.push({ kind: "variable", name, path: pathOf(name) });
  }
  const unclosed = open.at(-1);
  if (unclosed !== undefined)
    fail(`section '${unclosed.name}' is never closed with '{{/${unclosed.name}}}'.`, unclosed.at);
  pushText(source.slice(textStart));
  return root;
}

/** The partials a template includes (sections included), each once. */
export function partialNames(nodes: readonly TemplateNode[], into: Set<string> = new Set()): Set<string> {
  for (const node of nodes) {
    if (node.kind === "partial") into.add(node.name);
    else if (node.kind === "section") partialNames(node.children, into);
  }
  return into;
}
