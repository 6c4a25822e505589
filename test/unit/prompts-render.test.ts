import { describe, expect, it } from "vitest";
import { BadRequestError } from "../../shared/core/errors";
import { compilePromptContent, templateMessages } from "../../shared/prompts/prompt-template";
import { compileTemplate, MissingVariablesError, renderOrThrow } from "../../shared/prompts/render";
import { TemplateSyntaxError } from "../../shared/prompts/template-parser";

function render(source: string, variables: Record<string, unknown>): string {
  return renderOrThrow(compileTemplate(source), variables);
}

describe("prompt template language (mustache subset)", () => {
  it("interpolates variables, dotted paths and {{.}} without any HTML escaping", () => {
    // Act
    const text = render("Hi {{name}} <{{user.email}}> {{{raw}}} {{& amp}}", {
      name: "Ana & <Bob>",
      user: { email: "a@b.c" },
      raw: '"q"',
      amp: "x&y",
    });
    // Assess
    expect(text).toBe('Hi Ana & <Bob> <a@b.c> "q" x&y');
  });

  it("renders numbers, booleans, null and JSON for objects", () => {
    expect(render("{{n}}|{{b}}|{{z}}|{{o}}|{{a}}", { n: 1.5, b: false, z: null, o: { k: 1 }, a: [1, "x"] })).toBe(
      '1.5|false||{"k":1}|[1,"x"]',
    );
  });

  it("repeats sections over arrays, enters objects, skips falsy values and renders inverted sections", () => {
    // Prepare
    const source = "{{#items}}- {{name}} ({{team}})\n{{/items}}{{^items}}none\n{{/items}}{{#flag}}on{{/flag}}";
    // Act
    const full = render(source, { items: [{ name: "a" }, { name: "b", team: "y" }], team: "x", flag: true });
    const empty = render(source, { items: [], team: "x" });
    // Assess: `team` falls back to the outer context; a missing section variable is simply false
    expect(full).toBe("- a (x)\n- b (y)\non");
    expect(empty).toBe("none\n");
  });

  it("drops lines that hold only a section, closing or comment tag (standalone rule)", () => {
    // Prepare
    const source = "Items:\n  {{#items}}\n* {{.}}\n  {{/items}}\n{{! a note }}\nEnd";
    // Act + Assess
    expect(render(source, { items: ["x", "y"] })).toBe("Items:\n* x\n* y\nEnd");
  });

  it("reports every missing interpolated variable in one 400, sorted", () => {
    // Act
    let caught: unknown;
    try {
      render("{{b}} {{a}} {{#opt}}{{c}}{{/opt}} {{b}}", {});
    } catch (err) {
      caught = err;
    }
    // Assess: `c` is inside a section that did not render, so it is not missing
    expect(caught).toBeInstanceOf(MissingVariablesError);
    expect((caught as MissingVariablesError).statusCode).toBe(400);
    expect((caught as MissingVariablesError).missing).toEqual(["a", "b"]);
    expect((caught as MissingVariablesError).code).toBe("missing_variables");
  });

  it("never reads the prototype chain", () => {
    expect(() => render("{{constructor}}{{toString}}", {})).toThrow(MissingVariablesError);
    expect(render("{{#constructor}}x{{/constructor}}", {})).toBe("");
  });

  it.each([
    ["{{name", "never closed"],
    ["{{#a}}x", "never closed"],
    ["{{#a}}x{{/b}}", "closes"],
    ["x{{/a}}", "never opened"],
    ["{{> Not A Partial}}", "must name a partial"],
    ["{{=<% %>=}}", "delimiters"],
    ["{{a..b}}", "not a valid variable path"],
    ["{{}}", "does not name a variable"],
    [`${"{{#a}}".repeat(33)}${"{{/a}}".repeat(33)}`, "nest deeper"],
  ])("refuses %j with a 400 naming line and column", (source, message) => {
    expect(() => compileTemplate(source)).toThrow(TemplateSyntaxError);
    expect(() => compileTemplate(source)).toThrow(message);
    expect(() => compileTemplate(source)).toThrow(/line 1, column \d+/);
  });
});

describe("prompt content", () => {
  it("reads `string` as a JSON message array, or as one user message when it is plain text", () => {
    expect(templateMessages('[{"role":"system","content":"Be {{tone}}"}]')).toEqual([
      { role: "system", content: "Be {{tone}}" },
    ]);
    expect(templateMessages("[INST] {{q}} [/INST]")).toEqual([{ role: "user", content: "[INST] {{q}} [/INST]" }]);
    expect(() => templateMessages('[{"content":"no role"}]')).toThrow(BadRequestError);
  });

  it("renders templated leaves of every message (text parts included) and folds model and tools into parameters", () => {
    // Prepare
    const compiled = compilePromptContent({
      template: JSON.stringify([
        { role: "system", content: "You are {{persona}}." },
        {
          role: "user",
          content: [
            { type: "text", text: "Q: {{question}}" },
            { type: "image_url", image_url: { url: "{{img}}" } },
          ],
        },
      ]),
      parametersJson: '{"temperature":0.3,"model":"ignored"}',
      model: "gpt-4o-mini",
      toolsJson: '[{"type":"function","function":{"name":"f"}}]',
      virtualKey: "openai-main",
    });
    // Act
    const messages = compiled.renderMessages({ persona: "terse", question: "{{persona}}?", img: "https://x/y.png" });
    // Assess: a value that looks like a tag is copied, never rendered again
    expect(messages).toEqual([
      { role: "system", content: "You are terse." },
      {
        role: "user",
        content: [
          { type: "text", text: "Q: {{persona}}?" },
          { type: "image_url", image_url: { url: "https://x/y.png" } },
        ],
      },
    ]);
    expect(compiled.parameters).toEqual({
      temperature: 0.3,
      model: "gpt-4o-mini",
      tools: [{ type: "function", function: { name: "f" } }],
    });
    expect(compiled.virtualKey).toBe("openai-main");
    expect(() => compiled.renderMessages({ persona: "x" })).toThrow("Missing prompt variables: img, question.");
  });
});
