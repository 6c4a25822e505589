import * as z from "zod";
import { type CheckDefinition, defineCheck } from "../check-definition";
import { findPii, MAX_PII_SPAN, PII_CATEGORIES, type PiiCategory, placeholderFor, redactSpans } from "../pii-detect";
import type { StreamRedactor } from "../types";

/**
 * `portkey.pii`, with Portkey's parameters (`categories`, `redact`, `not`; `credentials` and `timeout` are accepted
 * and unused: detection runs in the gateway, see pii-detect.ts). Without `redact`, the check fails when PII of a
 * listed category is found. With `redact`, found values are replaced by placeholders (`[EMAIL_ADDRESS_1]`, stable
 * within the request) in the request sent upstream, or in the answer sent back, and the check passes. The result
 * names the categories found and never quotes the text (Portkey's excerpt would repeat the PII).
 */
export const pii: CheckDefinition = defineCheck(
  "portkey.pii",
  {
    categories: z
      .array(z.enum(PII_CATEGORIES, { error: `must be one of: ${PII_CATEGORIES.join(", ")}` }), {
        error: "must be an array of PII categories",
      })
      .min(1, "must name at least one category (omit it for all)")
      .optional(),
    redact: z.boolean({ error: "must be a boolean" }).optional(),
    credentials: z.unknown().optional(),
    timeout: z.number({ error: "must be a number" }).optional(),
  },
  function buildPii({ categories, redact = false }) {
    const wanted: ReadonlySet<PiiCategory> = new Set(categories ?? PII_CATEGORIES);
    const restricted = [...wanted];
    const streamRedactor: StreamRedactor | undefined = redact
      ? {
          maxSpan: MAX_PII_SPAN,
          find: (text) =>
            findPii(text, wanted).map((span) => ({
              start: span.start,
              end: span.end,
              replacement: (placeholders: Map<string, string>) => placeholderFor(span, placeholders),
            })),
        }
      : undefined;
    return {
      streamRedactor,
      run({ texts, placeholders }) {
        const found = texts.map((text) => findPii(text, wanted));
        const spans = found.flat();
        const detected = [...new Set(spans.map((s) => s.category))];
        if (spans.length === 0) {
          return {
            verdict: true,
            data: {
              explanation: "No restricted PII was found in the text.",
              restrictedCategories: restricted,
              detectedCategories: [],
            },
          };
        }
        if (!redact) {
          return {
            verdict: false,
            data: {
              explanation: `Found restricted PII in the text: ${detected.join(", ")}`,
              restrictedCategories: restricted,
              detectedCategories: detected,
            },
            redacted: spans.map((s) => s.value),
          };
        }
        const redactedTexts = texts.map((text, i) => redactSpans(text, found[i] ?? [], placeholders));
        return {
          verdict: true,
          data: {
            explanation: `Found and redacted PII in the text: ${detected.join(", ")}`,
            restrictedCategories: restricted,
            detectedCategories: detected,
            redactedCount: spans.length,
          },
          transform: { texts: redactedTexts },
          redacted: spans.map((s) => s.value),
        };
      },
    };
  },
);
