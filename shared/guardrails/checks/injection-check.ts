import { type CheckDefinition, defineCheck } from "../check-definition";

/**
 * Phrasings of prompt injection and jailbreak attempts, each a fixed pattern (bounded, no nested quantifiers:
 * linear on V8) compiled once. Found from public jailbreak collections' recurring forms: instructions to drop the
 * earlier ones, requests for the system prompt, role switches to an unrestricted persona, and chat-template or
 * system markers smuggled into user text. A heuristic: it misses paraphrases; its false-positive rate on benign
 * text is measured in test/unit/guardrails-pii-injection.test.ts.
 */
const W = String.raw`(?:\s+\S+){0,3}?`; // up to three filler words ("all of the", "your")
const RULES: ReadonlyArray<readonly [string, RegExp]> = [
  [
    "ignore_previous_instructions",
    new RegExp(
      String.raw`\b(?:ignore|disregard|forget|override|skip|drop)${W}\s+(?:previous|prior|above|earlier|preceding|former|initial|original|system|developer)\s+(?:instructions?|prompts?|rules|directions|directives|guidelines|messages|context|commands)\b`,
      "i",
    ),
  ],
  [
    "reveal_system_prompt",
    new RegExp(
      String.raw`\b(?:reveal|show|print|repeat|output|leak|display|tell|give|dump|recite)${W}\s+(?:system\s+prompt|hidden\s+(?:prompt|instructions)|initial\s+(?:prompt|instructions)|(?:prompt|instructions)\s+(?:above|you\s+were\s+given))\b`,
      "i",
    ),
  ],
  [
    "unrestricted_persona",
    /\b(?:you\s+are\s+now|act\s+as|pretend\s+(?:to\s+be|you\s+are)|from\s+now\s+on\s+you\s+are)\s+(?:an?\s+)?(?:DAN|unrestricted|unfiltered|uncensored|jailbroken|evil|amoral)\b|\bdo\s+anything\s+now\b|\b(?:developer|god|jailbreak|DAN)\s+mode\b/i,
  ],
  [
    "bypass_safety",
    new RegExp(
      String.raw`\b(?:bypass|disable|ignore|turn\s+off|remove)${W}\s+(?:safety|content|security|moderation|ethical)\s+(?:filters?|guidelines|restrictions|policies|rules|protocols|guardrails)\b|\bwithout\s+(?:any\s+)?(?:restrictions|filters|guidelines)\s*,?\s+(?:answer|respond|tell)\b`,
      "i",
    ),
  ],
  [
    "injected_system_marker",
    /<\|im_start\|>\s*system|<\/?system>|\[\/?(?:SYSTEM|INST)\]|^#{2,3}\s*(?:system|new\s+instructions)\s*:?\s*$|\bnew\s+instructions\s*:|\bsystem\s+override\b/im,
  ],
];

/**
 * `default.promptInjection` (this gateway's own check; Portkey's open-source registry has none): passes when the
 * text matches none of the injection phrasings above; the result names the rules that matched, never the text.
 */
export const promptInjection: CheckDefinition = defineCheck("default.promptInjection", {}, function buildInjection() {
  return function promptInjectionCheck({ text }) {
    const matched = RULES.filter(([, rule]) => rule.test(text)).map(([name]) => name);
    return {
      verdict: matched.length === 0,
      data: {
        explanation: matched.length
          ? `Prompt injection phrasing found: ${matched.join(", ")}`
          : "No prompt injection phrasing found.",
        matchedRules: matched,
      },
    };
  };
});

/** The rule names (for docs and tests). */
export const INJECTION_RULES: readonly string[] = RULES.map(([name]) => name);
