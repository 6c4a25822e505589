import * as z from "zod";
import { compileLinearRegex } from "../../core/linear-regex";
import { type CheckDefinition, defineCheck, excerpt } from "../check-definition";

/**
 * `default.regexMatch`: passes when the text matches `rule` (JavaScript syntax, run by RE2 in linear time and
 * compiled once). A text longer than the pattern's input bound is not searched: the check fails whether or not
 * `not` is set, so a long text can neither slip past a deny-list nor satisfy an allow-list.
 */
export const regexMatch: CheckDefinition = defineCheck(
  "default.regexMatch",
  { rule: z.string({ error: "must be a regular expression (a string)" }).min(1, "must not be empty") },
  function buildRegexMatch({ rule }, at, not) {
    const regex = compileLinearRegex(rule, `${at}.rule`);
    return function regexMatchCheck({ text }) {
      if (text.length > regex.maxInput) {
        return {
          verdict: not, // inverted by `not` into a failure either way
          data: {
            regexPattern: rule,
            explanation: `The text is longer than ${regex.maxInput} characters, the most this pattern may search; the check fails.`,
            matchDetails: null,
            textExcerpt: excerpt(text),
          },
        };
      }
      const match = regex.test(text) ? regex.exec(text) : null;
      return {
        verdict: match !== null,
        data: {
          regexPattern: rule,
          explanation: match ? "The regex pattern matched the text." : "The regex pattern did not match the text.",
          matchDetails: match ? { matchedText: match.text, index: match.index, groups: match.groups } : null,
          textExcerpt: excerpt(text),
        },
      };
    };
  },
);

const OPERATORS = ["any", "all", "none"] as const;

/** `default.contains`: any / all / none of `words` occur in the text (case-sensitive substrings, as Portkey). */
export const contains: CheckDefinition = defineCheck(
  "default.contains",
  {
    words: z
      .array(z.string({ error: "must be a string" }).min(1, "must not be empty"), {
        error: "must be an array of words or phrases",
      })
      .min(1, "must name at least one word or phrase"),
    operator: z.enum(OPERATORS, { error: `must be one of: ${OPERATORS.join(", ")}` }).optional(),
  },
  function buildContains({ words, operator = "any" }) {
    const list = Object.freeze([...words]);
    return function containsCheck({ text }) {
      const found = list.filter((w) => text.includes(w));
      const verdict =
        operator === "any" ? found.length > 0 : operator === "all" ? found.length === list.length : found.length === 0;
      return {
        verdict,
        data: {
          operator,
          foundWords: found,
          missingWords: list.filter((w) => !found.includes(w)),
          explanation: `${found.length} of ${list.length} words found; operator "${operator}" ${verdict ? "satisfied" : "not satisfied"}.`,
          textExcerpt: excerpt(text),
        },
      };
    };
  },
);

/** `default.endsWith`: the text (trailing whitespace ignored) ends with `suffix`. */
export const endsWith: CheckDefinition = defineCheck(
  "default.endsWith",
  { suffix: z.string({ error: "must be a string" }).min(1, "must not be empty") },
  function buildEndsWith({ suffix }) {
    return function endsWithCheck({ text }) {
      const verdict = text.trimEnd().endsWith(suffix);
      return {
        verdict,
        data: {
          suffix,
          explanation: verdict ? `The text ends with "${suffix}".` : `The text does not end with "${suffix}".`,
          textExcerpt: excerpt(text),
        },
      };
    };
  },
);

/** `default.alluppercase`: no letter in the text has a lower-case form (an empty text passes). */
export const allUppercase: CheckDefinition = defineCheck("default.alluppercase", {}, function buildAllUppercase() {
  return function allUppercaseCheck({ text }) {
    const verdict = text === text.toUpperCase();
    return {
      verdict,
      data: {
        explanation: verdict ? "All letters are upper case." : "The text has lower-case letters.",
        textExcerpt: excerpt(text),
      },
    };
  };
});

/** `default.alllowercase`: no letter in the text has an upper-case form (an empty text passes). */
export const allLowercase: CheckDefinition = defineCheck("default.alllowercase", {}, function buildAllLowercase() {
  return function allLowercaseCheck({ text }) {
    const verdict = text === text.toLowerCase();
    return {
      verdict,
      data: {
        explanation: verdict ? "All letters are lower case." : "The text has upper-case letters.",
        textExcerpt: excerpt(text),
      },
    };
  };
});
