import { type CheckDefinition, countLimit, defineCheck, excerpt, rangeOf } from "../check-definition";
import type { CheckFn } from "../types";

/** Words: maximal runs of non-whitespace ("" and "   " have 0 words). */
export function countWords(text: string): number {
  let words = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const space = isSpace(text.charCodeAt(i));
    if (!space && !inWord) words++;
    inWord = !space;
  }
  return words;
}

function isSpace(code: number): boolean {
  return (
    code === 0x20 ||
    (code >= 0x09 && code <= 0x0d) ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/** Unicode code points (an emoji made of one astral character counts once, unlike `String.length`). */
export function countCharacters(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--;
        i++;
      }
    }
  }
  return count;
}

/** A sentence ends at `.`, `!` or `?` followed by whitespace or the end (so `3.14` is no end), or at `。！？`. */
const SENTENCE_END = /[.!?]+(?=\s|$)|[。！？]+/u;
const HAS_CONTENT = /[\p{L}\p{N}]/u;

/** Sentences: pieces between sentence ends that contain a letter or a digit ("Hello world" is one sentence). */
export function countSentences(text: string): number {
  let count = 0;
  for (const piece of text.split(SENTENCE_END)) if (HAS_CONTENT.test(piece)) count++;
  return count;
}

function rangeCheck(
  unit: string,
  count: (text: string) => number,
  min: number | undefined,
  max: number | undefined,
  names: readonly [string, string],
  at: string,
): CheckFn {
  const range = rangeOf(min, max, names, at);
  const shown = `${range.min}-${range.max === Number.POSITIVE_INFINITY ? "unbounded" : range.max}`;
  return function countInRange({ text }) {
    const n = count(text);
    const verdict = n >= range.min && n <= range.max;
    return {
      verdict,
      data: {
        count: n,
        [names[0]]: range.min,
        [names[1]]: range.max === Number.POSITIVE_INFINITY ? null : range.max,
        explanation: `The text contains ${n} ${unit}, which is ${verdict ? "within" : "outside"} the range ${shown}.`,
        textExcerpt: excerpt(text),
      },
    };
  };
}

/** `default.wordCount`: `minWords` <= words <= `maxWords`. */
export const wordCount: CheckDefinition = defineCheck(
  "default.wordCount",
  { minWords: countLimit, maxWords: countLimit },
  ({ minWords, maxWords }, at) => rangeCheck("words", countWords, minWords, maxWords, ["minWords", "maxWords"], at),
);

/** `default.characterCount`: `minCharacters` <= code points <= `maxCharacters`. */
export const characterCount: CheckDefinition = defineCheck(
  "default.characterCount",
  { minCharacters: countLimit, maxCharacters: countLimit },
  ({ minCharacters, maxCharacters }, at) =>
    rangeCheck("characters", countCharacters, minCharacters, maxCharacters, ["minCharacters", "maxCharacters"], at),
);

/** `default.sentenceCount`: `minSentences` <= sentences <= `maxSentences`. */
export const sentenceCount: CheckDefinition = defineCheck(
  "default.sentenceCount",
  { minSentences: countLimit, maxSentences: countLimit },
  ({ minSentences, maxSentences }, at) =>
    rangeCheck("sentences", countSentences, minSentences, maxSentences, ["minSentences", "maxSentences"], at),
);
