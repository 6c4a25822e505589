import * as z from "zod";
import { InvalidConfigError } from "../../core/config-error";
import { compileLinearRegex, type RegexFlags } from "../../core/linear-regex";
import { type CheckDefinition, defineCheck } from "../check-definition";
import type { StreamRedactor } from "../types";

/** A regexReplace match longer than this may slip through on a stream (the text a stream holds back). */
export const MAX_STREAM_REPLACE_SPAN = 256;

/** Portkey writes `rule` as a pattern or as `/pattern/flags`; `g` (always on) and `y`, `d`, `u` change nothing. */
function parseRule(rule: string, at: string): { pattern: string; flags: RegexFlags } {
  const literal = /^\/(.+)\/([a-z]*)$/s.exec(rule);
  if (!literal) return { pattern: rule, flags: {} };
  const [, pattern, letters] = literal as unknown as [string, string, string];
  const unknown = [...letters].filter((f) => !"gimsuyd".includes(f));
  if (unknown.length) throw new InvalidConfigError(`${at}: unknown regex flag(s) "${unknown.join("")}"`, at);
  return {
    pattern,
    flags: { ignoreCase: letters.includes("i"), multiline: letters.includes("m"), dotAll: letters.includes("s") },
  };
}

/**
 * `default.regexReplace` (Portkey's parameters: `rule`, `redactText` default `[REDACTED]`, `failOnDetection`):
 * replaces every match in the request's last message (or the answer) and passes, or fails when `failOnDetection`
 * is set and something matched. The pattern runs on RE2 (linear time). A text longer than the pattern may search
 * is not rewritten and the check fails, so a long text cannot carry a match past it.
 */
export const regexReplace: CheckDefinition = defineCheck(
  "default.regexReplace",
  {
    rule: z.string({ error: "must be a regular expression (a string)" }).min(1, "must not be empty"),
    redactText: z.string({ error: "must be a string" }).optional(),
    failOnDetection: z.boolean({ error: "must be a boolean" }).optional(),
  },
  function buildRegexReplace({ rule, redactText = "[REDACTED]", failOnDetection = false }, at) {
    const { pattern, flags } = parseRule(rule, `${at}.rule`);
    const regex = compileLinearRegex(pattern, `${at}.rule`, flags);
    const streamRedactor: StreamRedactor = {
      maxSpan: MAX_STREAM_REPLACE_SPAN,
      find: (text) =>
        [...regex.matchAll(text)]
          .filter((m) => m.text.length > 0)
          .map((m) => ({ start: m.index, end: m.index + m.text.length, replacement: () => redactText })),
    };
    return {
      streamRedactor,
      run({ texts }) {
        if (texts.some((text) => text.length > regex.maxInput)) {
          return {
            verdict: false,
            data: {
              regexPattern: rule,
              explanation: `The text is longer than ${regex.maxInput} characters, the most this pattern may search; nothing was replaced and the check fails.`,
            },
          };
        }
        const matched: string[] = [];
        const replaced = texts.map((text) => {
          let out = "";
          let at = 0;
          for (const m of regex.matchAll(text)) {
            if (m.text.length === 0) continue;
            matched.push(m.text);
            out += text.slice(at, m.index) + redactText;
            at = m.index + m.text.length;
          }
          return at === 0 ? text : out + text.slice(at);
        });
        const verdict = !(failOnDetection && matched.length > 0);
        const data = {
          regexPattern: rule,
          explanation: matched.length
            ? `Pattern '${rule}' matched and was replaced with '${redactText}'`
            : `The regex pattern '${rule}' did not match any text.`,
          replacements: matched.length,
        };
        return matched.length
          ? { verdict, data, transform: { texts: replaced }, redacted: matched }
          : { verdict, data };
      },
    };
  },
);

const ROLES = ["user", "system", "assistant"] as const;

type Message = { role?: unknown; content?: unknown; [k: string]: unknown };

function prefixed(content: unknown, prefix: string): unknown {
  if (content === null || content === undefined || typeof content === "string") return `${prefix}${content ?? ""}`;
  if (Array.isArray(content)) {
    const first = content[0] as { type?: unknown; text?: unknown } | undefined;
    if (first?.type === "text") {
      return [{ ...first, text: `${prefix}${typeof first.text === "string" ? first.text : ""}` }, ...content.slice(1)];
    }
    return [{ type: "text", text: prefix }, ...content];
  }
  return content;
}

function isEmpty(content: unknown): boolean {
  return (typeof content === "string" && content.trim() === "") || (Array.isArray(content) && content.length === 0);
}

/**
 * `default.addPrefix` (Portkey's parameters: `prefix`, `applyToRole` default `user`, `addToExisting` default true,
 * `onlyIfEmpty`): before the request, prefixes the first message of that role (or inserts one: a system message
 * first, others last); for `/v1/completions`, the prompt. Always passes; on answers it does nothing.
 */
export const addPrefix: CheckDefinition = defineCheck(
  "default.addPrefix",
  {
    prefix: z.string({ error: "must be a string" }).min(1, "must not be empty"),
    applyToRole: z.enum(ROLES, { error: `must be one of: ${ROLES.join(", ")}` }).optional(),
    addToExisting: z.boolean({ error: "must be a boolean" }).optional(),
    onlyIfEmpty: z.boolean({ error: "must be a boolean" }).optional(),
  },
  function buildAddPrefix({ prefix, applyToRole = "user", addToExisting = true, onlyIfEmpty = false }) {
    const data = { prefix, applyToRole, addToExisting, onlyIfEmpty };
    return function addPrefixCheck({ phase, endpoint, request }) {
      if (phase !== "before_request")
        return { verdict: true, data: { ...data, explanation: "Only applies to requests." } };
      if (endpoint === "completions") {
        const prompt = request.prompt;
        const next = Array.isArray(prompt)
          ? prompt.map((p, i) => (i === 0 ? `${prefix}${String(p ?? "")}` : p))
          : `${prefix}${typeof prompt === "string" ? prompt : ""}`;
        return { verdict: true, data, transform: { json: { ...request, prompt: next } } };
      }
      const messages: Message[] = Array.isArray(request.messages) ? [...(request.messages as Message[])] : [];
      const index = messages.findIndex((m) => m?.role === applyToRole);
      if (index !== -1) {
        const target = messages[index] as Message;
        if (onlyIfEmpty && !isEmpty(target.content)) {
          return { verdict: true, data: { ...data, explanation: `The ${applyToRole} message is not empty.` } };
        }
        if (addToExisting) messages[index] = { ...target, content: prefixed(target.content, prefix) };
        else messages.splice(index, 0, { role: applyToRole, content: prefix });
      } else if (applyToRole === "system") {
        messages.unshift({ role: applyToRole, content: prefix });
      } else {
        messages.push({ role: applyToRole, content: prefix });
      }
      return { verdict: true, data, transform: { json: { ...request, messages } } };
    };
  },
);
