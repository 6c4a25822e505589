import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../shared/core/errors";
import { compilePromptContent } from "../../shared/prompts/prompt-template";
import { compileTemplate, renderTemplate } from "../../shared/prompts/render";

/** Templates that exercise every construct of the language. */
const TEMPLATES = [
  "Hello {{name}}!",
  "{{{name}}} / {{& name}} / {{user.profile.email}}",
  "{{#items}}- {{.}} {{name}} {{items.length}}\n{{/items}}{{^items}}none{{/items}}",
  "{{#user}}{{name}} in {{#teams}}{{.}},{{/teams}}{{/user}}",
  "{{! comment }}{{#flag}}{{^other}}{{x}}{{/other}}{{/flag}}",
];

const variableName = fc.constantFrom("name", "user", "items", "teams", "flag", "other", "x", "profile", "email");
const variables = fc.dictionary(
  variableName,
  fc.anything({ withBigInt: true, withNullPrototype: true, withMap: true }),
);

describe("prompt rendering properties", () => {
  it("never throws while rendering, whatever the variable values (missing names are collected instead)", () => {
    const compiled = TEMPLATES.map((source) => compileTemplate(source));
    fc.assert(
      fc.property(fc.constantFrom(...compiled), variables, (template, vars) => {
        const missing = new Set<string>();
        const text = renderTemplate(template, vars, missing);
        expect(typeof text).toBe("string");
      }),
    );
  });

  it("copies a value verbatim: a value containing tags is never rendered again (no template injection)", () => {
    const template = compileTemplate("<{{a}}|{{b}}>");
    const tagLike = fc.oneof(
      fc.string(),
      fc.constantFrom("{{b}}", "{{{b}}}", "{{#b}}x{{/b}}", "{{> p}}", "{{=<% %>=}}", "}}{{"),
    );
    fc.assert(
      fc.property(tagLike, tagLike, (a, b) => {
        const missing = new Set<string>();
        expect(renderTemplate(template, { a, b }, missing)).toBe(`<${a}|${b}>`);
        expect(missing.size).toBe(0);
      }),
    );
  });

  it("message content survives as valid JSON messages whatever the values (no JSON injection)", () => {
    const compiled = compilePromptContent({
      template: JSON.stringify([{ role: "user", content: 'Say "{{a}}" then {{b}}' }]),
      parametersJson: "{}",
    });
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        const messages = compiled.renderMessages({ a, b });
        expect(messages).toEqual([{ role: "user", content: `Say "${a}" then ${b}` }]);
      }),
    );
  });

  it("compiling any text either succeeds or fails with a 400, never anything else", () => {
    const text = fc.stringMatching(/^[a-z{}#^/!&>=. \n]{0,40}$/);
    fc.assert(
      fc.property(text, (source) => {
        try {
          compileTemplate(source);
        } catch (err) {
          expect(err).toBeInstanceOf(GatewayError);
          expect((err as GatewayError).statusCode).toBe(400);
        }
      }),
      { numRuns: 500 },
    );
  });
});
