import type { RE2JS } from "re2js";
import { InvalidConfigError } from "./config-error";
import { lazyEngine } from "./lazy-engine";

/**
 * Regular expressions that config authors write (`$regex` in conditional routing, `default.regexMatch`, JSON Schema
 * `pattern`) run on RE2 (the `re2js` port): matching time is linear in the text, so no pattern can stall the
 * process the way `^(a+)+$` stalls a backtracking engine. Patterns use JavaScript syntax (named groups, `\u{...}`
 * are translated); constructs RE2 cannot run in linear time (backreferences, lookahead, lookbehind) are refused
 * when the config is compiled, with a 400 naming the parameter.
 *
 * Linear is not free: matching costs about (text length x compiled size). So a pattern compiles to at most
 * `MAX_REGEX_PROGRAM` instructions, and runs over at most `REGEX_WORK_LIMIT / size` characters (`maxInput`):
 * 100,000 characters for a 40-instruction pattern, a few tens of milliseconds in the worst case.
 *
 * The engine (150 kB) loads with the first pattern compiled, not at cold start (`withEngines`, ADR 0041).
 */
export const MAX_REGEX_PROGRAM = 1_000;
export const REGEX_WORK_LIMIT = 4_000_000;

const re2 = lazyEngine("regular expression", () => import("re2js").then((m) => m.RE2JS));

export interface RegexMatch {
  readonly text: string;
  readonly index: number;
  readonly groups: Readonly<Record<string, string>>;
}

export interface LinearRegex {
  /** The pattern as the config wrote it. */
  readonly source: string;
  /** The longest text (in UTF-16 units) this pattern may run over; callers decide what a longer text means. */
  readonly maxInput: number;
  /** Whether the pattern matches somewhere in `text` (the DFA, no capture tracking). */
  test(text: string): boolean;
  /** The leftmost match with its index and named groups, or null. */
  exec(text: string): RegexMatch | null;
  /** Every non-overlapping match, left to right (index and matched text). */
  matchAll(text: string): IterableIterator<{ readonly index: number; readonly text: string }>;
}

/** JavaScript flags a config may write after a `/pattern/` (`g` and `y` have no meaning for a check). */
export type RegexFlags = { readonly ignoreCase?: boolean; readonly dotAll?: boolean; readonly multiline?: boolean };

/** Backreferences and lookaround, found outside character classes; RE2 has none of them. */
function unsupportedConstruct(pattern: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      const next = pattern[i + 1] ?? "";
      if (!inClass && next >= "1" && next <= "9") return "a backreference";
      if (!inClass && next === "k" && pattern[i + 2] === "<") return "a backreference";
      i++;
    } else if (inClass) {
      if (c === "]") inClass = false;
    } else if (c === "[") {
      inClass = true;
    } else if (c === "(" && pattern[i + 1] === "?") {
      const rest = pattern.slice(i + 2, i + 4);
      if (rest.startsWith("=") || rest.startsWith("!")) return "a lookahead";
      if (rest === "<=" || rest === "<!") return "a lookbehind";
    }
  }
  return undefined;
}

/**
 * Compiles a config author's pattern once (at config compile time). Throws `InvalidConfigError` naming `at` when
 * the pattern is invalid, uses a construct RE2 refuses, or is too large.
 */
export function compileLinearRegex(pattern: string, at: string, flags: RegexFlags = {}): LinearRegex {
  const unsupported = unsupportedConstruct(pattern);
  if (unsupported) {
    throw new InvalidConfigError(
      `${at}: the pattern uses ${unsupported}, which the gateway's linear-time regex engine (RE2 syntax) does not support`,
      at,
    );
  }
  const Engine = re2.get();
  let re: RE2JS;
  try {
    const mask =
      (flags.ignoreCase ? Engine.CASE_INSENSITIVE : 0) |
      (flags.dotAll ? Engine.DOTALL : 0) |
      (flags.multiline ? Engine.MULTILINE : 0);
    re = Engine.compile(Engine.translateRegExp(pattern), mask);
  } catch (err) {
    throw new InvalidConfigError(`${at}: not a valid regular expression (${(err as Error).message})`, at);
  }
  const size = re.programSize();
  if (size > MAX_REGEX_PROGRAM) {
    throw new InvalidConfigError(
      `${at}: the pattern is too complex (${size} instructions compiled, at most ${MAX_REGEX_PROGRAM}; large repeat counts such as {500} cost the most)`,
      at,
    );
  }
  const groupNames = Object.keys(re.namedGroups());
  return {
    source: pattern,
    maxInput: Math.floor(REGEX_WORK_LIMIT / Math.max(size, 1)),
    test: (text) => re.test(text),
    exec(text) {
      const match = re.exec(text) as (RegExpExecArray & { index: number }) | null;
      if (match === null) return null;
      const groups: Record<string, string> = {};
      for (const name of groupNames) {
        const value = match.groups?.[name];
        if (value !== undefined) groups[name] = value;
      }
      return { text: match[0] ?? "", index: match.index, groups };
    },
    *matchAll(text) {
      for (const match of re.matchAll(text)) yield { index: match.index ?? 0, text: match[0] ?? "" };
    },
  };
}
