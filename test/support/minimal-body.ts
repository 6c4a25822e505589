import type { BodyRules, FieldRule } from "../../shared/core/endpoints";

/**
 * The smallest body a row's `validate` rules accept: each required field with a value of its first declared kind
 * (the first allowed value of an enum, the least allowed number, a list of one minimal object). Tests that send
 * every row of the endpoint table build their bodies with it, so a new row needs no edit there.
 */
export function minimalBody(rules: BodyRules | undefined): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const name of rules?.required ?? []) body[name] = sample(rules?.fields?.[name]);
  return body;
}

function sample(rule: FieldRule | undefined): unknown {
  const kind = rule === undefined ? "string" : typeof rule.type === "string" ? rule.type : rule.type[0];
  switch (kind) {
    case "string":
      return rule?.enum?.[0] ?? "x";
    case "integer":
    case "number":
      return Math.max(rule?.min ?? 1, 1);
    case "boolean":
      return true;
    case "object":
      return {};
    default:
      return rule?.items ? [minimalBody(rule.items)] : ["x"];
  }
}
