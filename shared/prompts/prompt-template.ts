import { BadRequestError } from "../core/errors";
import type { PromptContent } from "../store/types";
import {
  type CompiledTemplate,
  compileTemplate,
  MissingVariablesError,
  type PartialTemplates,
  renderTemplate,
} from "./render";
import { partialNames } from "./template-parser";

/**
 * A prompt version compiled for rendering: its messages as a tree whose string leaves containing `{{` are compiled
 * templates (everything else is kept as a literal), plus the parameters that go with them. Built once per prompt
 * version (admin API: to validate before saving; gateway: cached by version), rendered per request.
 */
export interface CompiledPromptContent {
  /** Model parameters with `model`, `functions`, `tools`, `tool_choice` folded in; never mutated. */
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly virtualKey?: string;
  /** The partials the templates include (`{{> name}}`), resolved per workspace before rendering. */
  readonly partials: readonly string[];
  /**
   * Renders the messages; throws `MissingVariablesError` naming every absent interpolated variable.
   * `partials`: the resolved partials (`resolvePartials`), when `partials` above is not empty.
   */
  renderMessages(variables: Readonly<Record<string, unknown>>, partials?: PartialTemplates): unknown[];
}

type CompiledJson =
  | { readonly kind: "literal"; readonly value: unknown }
  | { readonly kind: "template"; readonly template: CompiledTemplate }
  | { readonly kind: "array"; readonly items: readonly CompiledJson[] }
  | { readonly kind: "object"; readonly entries: readonly (readonly [string, CompiledJson])[] };

/** Keys whose string values are never templates (a message's role). */
const LITERAL_KEYS = new Set(["role", "type"]);

function compileJson(value: unknown, param: string): CompiledJson {
  if (typeof value === "string") {
    return value.includes("{{")
      ? { kind: "template", template: compileTemplate(value, param) }
      : { kind: "literal", value };
  }
  if (Array.isArray(value)) {
    const items = value.map((item, i) => compileJson(item, `${param}[${i}]`));
    return items.every((item) => item.kind === "literal") ? { kind: "literal", value } : { kind: "array", items };
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).map(([key, item]): readonly [string, CompiledJson] => [
      key,
      LITERAL_KEYS.has(key) ? { kind: "literal", value: item } : compileJson(item, `${param}.${key}`),
    ]);
    return entries.every(([, item]) => item.kind === "literal")
      ? { kind: "literal", value }
      : { kind: "object", entries };
  }
  return { kind: "literal", value };
}

function renderJson(
  node: CompiledJson,
  variables: unknown,
  missing: Set<string>,
  partials: PartialTemplates | undefined,
): unknown {
  switch (node.kind) {
    case "literal":
      return node.value;
    case "template":
      return renderTemplate(node.template, variables, missing, partials);
    case "array":
      return node.items.map((item) => renderJson(item, variables, missing, partials));
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [key, item] of node.entries) out[key] = renderJson(item, variables, missing, partials);
      return out;
    }
  }
}

function includedPartials(node: CompiledJson, into: Set<string>): Set<string> {
  if (node.kind === "template") partialNames(node.template.nodes, into);
  else if (node.kind === "array") for (const item of node.items) includedPartials(item, into);
  else if (node.kind === "object") for (const [, item] of node.entries) includedPartials(item, into);
  return into;
}

function isMessage(value: unknown): boolean {
  return typeof value === "object" && value !== null && typeof (value as { role?: unknown }).role === "string";
}

/**
 * Portkey's `string`: a JSON array of chat messages (`[{"role":"system","content":"..."}, ...]`), else plain text
 * sent as one user message. Text that merely starts with `[` but is not JSON (e.g. `[INST] ...`) is plain text.
 */
export function templateMessages(template: string): unknown[] {
  const trimmed = template.trim();
  if (trimmed.startsWith("[") && trimmed.endsWith("]")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      parsed = undefined;
    }
    if (Array.isArray(parsed)) {
      if (parsed.length === 0 || !parsed.every(isMessage)) {
        throw new BadRequestError("string must be plain text or a non-empty JSON array of messages with a role.", {
          param: "string",
          code: "invalid_template",
        });
      }
      return parsed;
    }
  }
  return [{ role: "user", content: template }];
}

function parseJsonField(text: string | undefined): unknown {
  return text === undefined ? undefined : (JSON.parse(text) as unknown);
}

/** Compiles a prompt version; a template syntax error is a 400 naming the message and the position. */
export function compilePromptContent(content: PromptContent): CompiledPromptContent {
  const messages = compileJson(templateMessages(content.template), "string");
  const parameters: Record<string, unknown> = { ...(JSON.parse(content.parametersJson) as Record<string, unknown>) };
  if (content.model !== undefined) parameters.model = content.model;
  const extras = {
    functions: parseJsonField(content.functionsJson),
    tools: parseJsonField(content.toolsJson),
    tool_choice: parseJsonField(content.toolChoiceJson),
  };
  for (const [key, value] of Object.entries(extras)) if (value !== undefined) parameters[key] = value;
  Object.freeze(parameters);
  return {
    parameters,
    ...(content.virtualKey === undefined ? {} : { virtualKey: content.virtualKey }),
    partials: Object.freeze([...includedPartials(messages, new Set())]),
    renderMessages(variables, partials) {
      const missing = new Set<string>();
      const rendered = renderJson(messages, variables, missing, partials);
      if (missing.size > 0) throw new MissingVariablesError([...missing].sort());
      return rendered as unknown[];
    },
  };
}
