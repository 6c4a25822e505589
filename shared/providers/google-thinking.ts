import type { ReasoningEffort } from "./chat-request";

/**
 * Gemini 3 and later take `thinkingConfig.thinkingLevel` (`minimal`/`low`/`medium`/`high`) where Gemini 2.5 takes
 * a token `thinkingBudget`; Gemini 2.5 refuses a level. Which levels a model accepts depends on its family, so
 * `reasoning_effort` is mapped per family as Google's OpenAI-compatible endpoint maps it (docs/providers.md).
 */
export type ThinkingLevel = "minimal" | "low" | "medium" | "high";

/** The levels each Gemini 3+ family accepts: 3 Pro only low/high, later Pro models no minimal, Flash all four. */
const PRO_3_LEVELS: ReadonlySet<ThinkingLevel> = new Set(["low", "high"]);
const PRO_LEVELS: ReadonlySet<ThinkingLevel> = new Set(["low", "medium", "high"]);
const ALL_LEVELS: ReadonlySet<ThinkingLevel> = new Set(["minimal", "low", "medium", "high"]);

/** The level asked for by each effort, before the model's family narrows it (`none` cannot turn Gemini 3 off). */
const WANTED: Readonly<Record<ReasoningEffort, ThinkingLevel>> = {
  none: "minimal",
  minimal: "minimal",
  low: "low",
  medium: "medium",
  high: "high",
  xhigh: "high",
};

/** A level the model lacks becomes the next one up (minimal -> low, medium -> high), as Google's table does. */
const NEXT_UP: Readonly<Record<ThinkingLevel, ThinkingLevel>> = {
  minimal: "low",
  low: "medium",
  medium: "high",
  high: "high",
};

/** `gemini-<major>[.<minor>]-<rest>`: the version numbers a model id starts with. */
const VERSIONED = /^gemini-(\d+)(?:\.(\d+))?-(.*)$/;

/**
 * The thinking levels a model accepts, or undefined for a model that takes a budget (Gemini 2.5 and older, and
 * ids without a version such as `gemini-flash-latest`: every thinking model accepts a budget).
 */
export function thinkingLevelsOf(model: string): ReadonlySet<ThinkingLevel> | undefined {
  const match = VERSIONED.exec(model);
  const major = Number(match?.[1] ?? 0);
  if (major < 3) return undefined;
  const rest = match?.[3] ?? "";
  if (!rest.startsWith("pro")) return ALL_LEVELS;
  return major === 3 && match?.[2] === undefined ? PRO_3_LEVELS : PRO_LEVELS;
}

/** `reasoning_effort` -> the model's `thinkingLevel`. */
export function thinkingLevelFor(levels: ReadonlySet<ThinkingLevel>, effort: ReasoningEffort): ThinkingLevel {
  let level = WANTED[effort];
  while (!levels.has(level)) level = NEXT_UP[level];
  return level;
}

/**
 * The signature Google documents for a function call the model did not sign (history from another model, or a
 * client that dropped the signature): Gemini 3 then skips the check instead of answering 400.
 */
export const SKIP_SIGNATURE = "skip_thought_signature_validator";

/** Where Google's OpenAI-compatible endpoint puts a part's signature on a tool call. */
export type GoogleExtraContent = { google: { thought_signature: string } };

export function extraContentOf(signature: string): GoogleExtraContent {
  return { google: { thought_signature: signature } };
}
