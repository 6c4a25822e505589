import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { GatewayError } from "../../shared/core/errors";
import { loadEngines } from "../../shared/core/lazy-engine";
import { REGEX_WORK_LIMIT } from "../../shared/core/linear-regex";
import { compileCheck } from "../../shared/guardrails/check-registry";
import { countCharacters, countSentences, countWords } from "../../shared/guardrails/checks/count-checks";
import { extractJson } from "../../shared/guardrails/checks/json-checks";
import { codeFormats, findUrls, isValidUrl } from "../../shared/guardrails/checks/url-code-checks";
import type { CheckInput, CheckOutcome, CompiledCheck, HookPhase } from "../../shared/guardrails/types";

// The regex and JSON Schema engines load on first use (ADR 0041); these tests compile synchronously.
beforeAll(loadEngines);

/** What a check sees for one text (no network, a fresh placeholder map). */
function inputOf(text: string, request: Record<string, unknown> = {}, phase: HookPhase = "before_request"): CheckInput {
  return {
    text,
    texts: [text],
    request,
    phase,
    endpoint: "chat",
    provider: "openai",
    metadata: {},
    placeholders: new Map(),
  };
}

/** Runs a synchronous check (every check here but the network ones). */
function runSync(compiled: CompiledCheck, input: CheckInput): CheckOutcome {
  const outcome = compiled.run(input);
  if (outcome instanceof Promise) throw new Error(`${compiled.id} is not synchronous`);
  return outcome;
}

/** Runs a check as the gateway does: compiled once from its parameters, `not` applied. */
function check(id: string, parameters: Record<string, unknown>) {
  const compiled = compileCheck(id, parameters, "config.before_request_hooks[0].checks[0]");
  return (text: string, request: Record<string, unknown> = {}, phase: HookPhase = "before_request") => {
    const outcome = runSync(compiled, inputOf(text, request, phase));
    return compiled.not ? !outcome.verdict : outcome.verdict;
  };
}

/**
 * An independent oracle for `countSentences`, written as a scan over code points instead of a split on a regex: a
 * run of `.!?` ends a sentence when whitespace or the end follows it, `。！？` always do, and a sentence counts when
 * it holds a letter or a digit.
 */
function referenceSentenceCount(text: string): number {
  const chars = [...text];
  let count = 0;
  let hasContent = false;
  const close = () => {
    if (hasContent) count++;
    hasContent = false;
  };
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if ("。！？".includes(c)) {
      close();
    } else if (".!?".includes(c)) {
      let end = i;
      while (end < chars.length && ".!?".includes(chars[end] as string)) end++;
      const next = chars[end];
      if (next === undefined || /\s/u.test(next)) close();
      i = end - 1;
    } else if (/[\p{L}\p{N}]/u.test(c)) {
      hasContent = true;
    }
  }
  close();
  return count;
}

/** Text made of the pieces sentence counting cares about, so ends, decimals and runs of punctuation are common. */
const sentenceLikeText = fc
  .array(
    fc.constantFrom("a", "Z", "7", "é", "你", " ", "\n", "\t", ".", "!", "?", "...", "。", "！", "？", "-", "👍"),
    {
      maxLength: 60,
    },
  )
  .map((parts) => parts.join(""));

function configError(fn: () => unknown): { message: string; param: string | null } {
  try {
    fn();
  } catch (err) {
    if (err instanceof GatewayError) return { message: err.message, param: err.param };
    throw err;
  }
  throw new Error("expected an invalid_config error");
}

describe("text checks", () => {
  it("regexMatch passes on a match, and `not` turns it into a deny-list", () => {
    const ssn = check("default.regexMatch", { rule: "\\b\\d{3}-\\d{2}-\\d{4}\\b" });
    const noSsn = check("default.regexMatch", { rule: "\\b\\d{3}-\\d{2}-\\d{4}\\b", not: true });
    expect(ssn("my ssn is 123-45-6789")).toBe(true);
    expect(ssn("nothing here")).toBe(false);
    expect(noSsn("my ssn is 123-45-6789")).toBe(false);
    expect(noSsn("nothing here")).toBe(true);
  });

  it("regexMatch refuses an invalid pattern when the config is compiled, naming the parameter", () => {
    const err = configError(() => compileCheck("default.regexMatch", { rule: "(" }, "config.h[0].checks[0]"));
    expect(err.param).toBe("config.h[0].checks[0].parameters.rule");
    expect(err.message).toContain("not a valid regular expression");
  });

  it("regexMatch reports the match, its index and named groups (JavaScript syntax on RE2)", () => {
    // Prepare
    const compiled = compileCheck("default.regexMatch", { rule: "(?<year>\\d{4})-(?<month>\\d\\d)" }, "c");

    // Act
    const outcome = runSync(compiled, inputOf("on 2024-05-01"));

    // Assess
    expect(outcome.verdict).toBe(true);
    expect(outcome.data.matchDetails).toEqual({
      matchedText: "2024-05",
      index: 3,
      groups: { year: "2024", month: "05" },
    });
  });

  it("regexMatch fails on a text beyond the pattern's input bound, with or without `not`", () => {
    // Prepare
    const rule = "forbidden";
    const long = `${"x".repeat(REGEX_WORK_LIMIT)} forbidden`;

    // Act
    const allow = check("default.regexMatch", { rule })(long);
    const deny = check("default.regexMatch", { rule, not: true })(long);

    // Assess
    expect(allow).toBe(false);
    expect(deny).toBe(false);
    expect(check("default.regexMatch", { rule, not: true })("short and forbidden")).toBe(false);
    expect(check("default.regexMatch", { rule, not: true })("short and fine")).toBe(true);
  });

  it("regexMatch refuses backreferences, lookaround and oversized patterns at compile time", () => {
    expect(configError(() => compileCheck("default.regexMatch", { rule: "(a)\\1" }, "c")).message).toContain(
      "backreference",
    );
    expect(configError(() => compileCheck("default.regexMatch", { rule: "a(?!b)" }, "c")).message).toContain(
      "lookahead",
    );
    const huge = configError(() => compileCheck("default.regexMatch", { rule: "(?:a?){600}a{600}" }, "c"));
    expect(huge.param).toBe("c.parameters.rule");
    expect(huge.message).toContain("too complex");
  });

  it("validUrls and containsCode stay linear on hostile text", () => {
    // Prepare
    const parens = `https://example.com/a${")".repeat(20_000)}`;
    const fence = `\`\`\`${"a".repeat(100_000)}`;

    // Act
    const started = performance.now();
    const urls = findUrls(parens);
    const formats = codeFormats(fence);
    const elapsed = performance.now() - started;

    // Assess
    expect(urls).toEqual(["https://example.com/a"]);
    expect(formats).toEqual([]);
    expect(elapsed).toBeLessThan(200);
  });

  it("findUrls and codeFormats keep their results on ordinary text", () => {
    expect(findUrls("see (https://x.io/a_(b)) and https://y.io/c).")).toEqual(["https://x.io/a_(b)", "https://y.io/c"]);
    expect(codeFormats("```py\nx\n```\n```` sql extra\nselect\n```\n```nope")).toEqual(["Python", "SQL"]);
  });

  it("contains implements any / all / none over words and phrases", () => {
    const words = ["apple", "banana split"];
    expect(check("default.contains", { words, operator: "any" })("an apple a day")).toBe(true);
    expect(check("default.contains", { words, operator: "all" })("an apple a day")).toBe(false);
    expect(check("default.contains", { words, operator: "all" })("apple and banana split")).toBe(true);
    expect(check("default.contains", { words, operator: "none" })("an apple a day")).toBe(false);
    expect(check("default.contains", { words, operator: "none" })("a pear")).toBe(true);
    // the default operator is "any", as in Portkey's manifest
    expect(check("default.contains", { words })("banana split")).toBe(true);
  });

  it("endsWith and the case checks", () => {
    expect(check("default.endsWith", { suffix: "Thanks." })("Answer. Thanks.  \n")).toBe(true);
    expect(check("default.endsWith", { suffix: "Thanks." })("Thanks. Answer.")).toBe(false);
    expect(check("default.alluppercase", {})("HELLO, WORLD 42!")).toBe(true);
    expect(check("default.alluppercase", {})("Hello")).toBe(false);
    expect(check("default.alllowercase", {})("hello, world")).toBe(true);
    expect(check("default.alllowercase", {})("ÄRGER")).toBe(false);
  });
});

describe("count checks", () => {
  it("wordCount, characterCount and sentenceCount check their ranges (bounds inclusive)", () => {
    expect(check("default.wordCount", { minWords: 2, maxWords: 3 })("one two three")).toBe(true);
    expect(check("default.wordCount", { minWords: 2, maxWords: 3 })("one two three four")).toBe(false);
    expect(check("default.wordCount", { maxWords: 0 })("   ")).toBe(true);
    expect(check("default.characterCount", { maxCharacters: 2 })("👍👍")).toBe(true);
    expect(check("default.characterCount", { minCharacters: 3 })("👍👍")).toBe(false);
    expect(check("default.sentenceCount", { minSentences: 2 })("Pi is 3.14. Really!")).toBe(true);
    expect(check("default.sentenceCount", { minSentences: 2 })("Pi is 3.14")).toBe(false);
  });

  it("counts like a reader: unterminated text is a sentence, decimals are no sentence end", () => {
    expect(countSentences("Hello world")).toBe(1);
    expect(countSentences("Wait... what?! Yes.")).toBe(3);
    expect(countSentences("")).toBe(0);
    expect(countSentences("你好。再见！")).toBe(2);
    expect(countWords("  a\tb\nc  ")).toBe(3);
    expect(countCharacters("a👍b")).toBe(3);
  });

  it("refuses a range without bounds or with min > max", () => {
    expect(configError(() => compileCheck("default.wordCount", {}, "c")).message).toContain('"minWords"');
    expect(configError(() => compileCheck("default.wordCount", { minWords: 5, maxWords: 1 }, "c")).param).toBe(
      "c.parameters.minWords",
    );
    expect(configError(() => compileCheck("default.sentenceCount", { minSentences: 1.5 }, "c")).param).toBe(
      "c.parameters.minSentences",
    );
  });

  it("never throws and agrees with reference counts on arbitrary text (property)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "grapheme", maxLength: 200 }), sentenceLikeText), (text) => {
        expect(countWords(text)).toBe(text.split(/\s+/).filter(Boolean).length);
        expect(countCharacters(text)).toBe([...text].length);
        expect(countSentences(text)).toBe(referenceSentenceCount(text));
      }),
      { numRuns: 300 },
    );
  });

  it("word counts add up over concatenation with a space (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 80 }), (a, b) => {
        expect(countWords(`${a} ${b}`)).toBe(countWords(a) + countWords(b));
      }),
      { numRuns: 300 },
    );
  });
});

describe("JSON checks", () => {
  const schema = {
    type: "object",
    required: ["name", "age"],
    properties: { name: { type: "string", minLength: 1 }, age: { type: "integer", minimum: 0 } },
    additionalProperties: false,
  };

  it("jsonSchema finds JSON in prose or code fences, nested objects included", () => {
    const valid = check("default.jsonSchema", { schema });
    expect(valid('{"name":"Ada","age":36}')).toBe(true);
    expect(valid('Here you go:\n```json\n{"name":"Ada","age":36}\n```')).toBe(true);
    expect(valid('The record {"name":"Ada","age":36} is done.')).toBe(true);
    expect(valid('{"name":"Ada","age":-1}')).toBe(false);
    expect(valid('{"name":"Ada","age":36,"extra":true}')).toBe(false);
    expect(valid("no json at all")).toBe(false);
    const nested = check("default.jsonSchema", {
      schema: { type: "object", properties: { user: { type: "object", required: ["id"] } }, required: ["user"] },
    });
    expect(nested('Result: {"user": {"id": 1, "tags": ["a"]}} end')).toBe(true);
  });

  it("jsonSchema validates full draft 2020-12 (enum, const, items, pattern, oneOf, $ref, if/then)", () => {
    const valid = check("default.jsonSchema", {
      schema: {
        type: "object",
        $defs: { word: { type: "string", pattern: "^[a-z]+$" } },
        properties: {
          mood: { enum: ["happy", "sad"] },
          v: { const: 2 },
          tags: { type: "array", items: { $ref: "#/$defs/word" }, maxItems: 2 },
          note: { type: ["string", "null"] },
          id: { oneOf: [{ type: "integer" }, { type: "string", minLength: 3 }] },
        },
        if: { properties: { mood: { const: "sad" } }, required: ["mood"] },
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword
        then: { required: ["note"] },
      },
    });
    expect(valid('{"mood":"happy","v":2,"tags":["a","b"],"note":null,"id":7}')).toBe(true);
    expect(valid('{"mood":"angry"}')).toBe(false);
    expect(valid('{"tags":["A"]}')).toBe(false);
    expect(valid('{"tags":["a","b","c"]}')).toBe(false);
    expect(valid('{"id":"ab"}')).toBe(false);
    expect(valid('{"mood":"sad"}')).toBe(false);
    expect(valid('{"mood":"sad","note":"why"}')).toBe(true);
  });

  it("jsonSchema runs patterns on RE2: a backreference is a config error, (a+)+$ answers in milliseconds", () => {
    const err = configError(() =>
      compileCheck(
        "default.jsonSchema",
        { schema: { properties: { a: { pattern: "(x)\\1" } } } },
        "config.h[0].checks[0]",
      ),
    );
    expect(err.param).toBe("config.h[0].checks[0].parameters.schema.properties.a.pattern");
    expect(
      configError(() => compileCheck("default.jsonSchema", { schema: { patternProperties: {} } }, "c")).param,
    ).toBe("c.parameters.schema.patternProperties");
    const evil = check("default.jsonSchema", { schema: { type: "string", pattern: "^(a+)+$" } });
    const started = performance.now();
    expect(evil(JSON.stringify(`${"a".repeat(5000)}!`))).toBe(false);
    expect(performance.now() - started).toBeLessThan(200);
  });

  it("jsonKeys checks top-level keys with any / all / none", () => {
    const text = 'answer: {"title": "x", "body": {"inner": 1}}';
    expect(check("default.jsonKeys", { keys: ["title", "missing"], operator: "any" })(text)).toBe(true);
    expect(check("default.jsonKeys", { keys: ["title", "missing"], operator: "all" })(text)).toBe(false);
    expect(check("default.jsonKeys", { keys: ["inner"], operator: "none" })(text)).toBe(true);
    expect(check("default.jsonKeys", { keys: ["title"], operator: "all" })("no json")).toBe(false);
  });

  it("extractJson never throws on arbitrary text (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        expect(Array.isArray(extractJson(text))).toBe(true);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        if (text.startsWith("{") || text.startsWith("[")) expect(extractJson(text)).toEqual([JSON.parse(text)]);
      }),
      { numRuns: 200 },
    );
  });
});

describe("URL, code and model checks", () => {
  it("validUrls passes when every URL is well-formed (syntax only, no network)", () => {
    const valid = check("default.validUrls", {});
    expect(valid("See https://example.com/docs?a=1 and (https://sub.example.org/x).")).toBe(true);
    expect(valid("no links")).toBe(true);
    expect(valid("Broken: https://exa mple.com and http://nodot/")).toBe(false);
    expect(findUrls("(see https://a.example/b).")).toEqual(["https://a.example/b"]);
    expect(isValidUrl("http://127.0.0.1:8080/x")).toBe(true);
    expect(isValidUrl("https://-bad-.com")).toBe(false);
  });

  it("containsCode recognises fenced blocks by language tag, aliases included", () => {
    const python = check("default.containsCode", { format: "Python" });
    expect(python("Try:\n```python\nprint(1)\n```")).toBe(true);
    expect(python("Try:\n```py\nprint(1)\n```")).toBe(true);
    expect(python("Try:\n```js\nconsole.log(1)\n```")).toBe(false);
    expect(check("default.containsCode", { format: "SQL", not: true })("```sql\nSELECT 1\n```")).toBe(false);
    expect(codeFormats("```ts\nx\n```\n```bash\nls\n```")).toEqual(["TypeScript", "Shell"]);
    expect(configError(() => compileCheck("default.containsCode", { format: "Cobol" }, "c")).param).toBe(
      "c.parameters.format",
    );
  });

  it("modelWhitelist judges the request's model", () => {
    const allowed = check("default.modelWhitelist", { models: ["gpt-4o-mini"] });
    expect(allowed("", { model: "gpt-4o-mini" })).toBe(true);
    expect(allowed("", { model: "gpt-4o" })).toBe(false);
    expect(allowed("", {})).toBe(false);
  });
});

describe("check ids and parameters", () => {
  it("refuses unknown check ids, network checks and unknown parameters with their paths", () => {
    const unknown = configError(() => compileCheck("default.nope", {}, "config.before_request_hooks[0].checks[1]"));
    expect(unknown.param).toBe("config.before_request_hooks[0].checks[1].id");
    expect(unknown.message).toContain("default.regexMatch");
    expect(configError(() => compileCheck("default.jwt", {}, "c")).message).toContain("not offered");
    const extra = configError(() => compileCheck("default.regexMatch", { rule: "x", flags: "i" }, "c"));
    expect(extra.param).toBe("c.parameters");
    expect(extra.message).toContain('"flags"');
  });
});
