import * as z from "zod";
import { type CheckDefinition, defineCheck, excerpt } from "../check-definition";

const URL_IN_TEXT = /https?:\/\/[^\s<>"'`]+/g;
const TRAILING_PUNCTUATION = new Set(".,;:!?'\"]}>");
const DOMAIN_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const TLD = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/;

function countChar(text: string, char: string): number {
  let n = 0;
  for (let i = text.indexOf(char); i !== -1; i = text.indexOf(char, i + 1)) n++;
  return n;
}

/** The URLs of a text, without the sentence punctuation that often follows them. Linear in the text. */
export function findUrls(text: string): string[] {
  const urls: string[] = [];
  for (const match of text.matchAll(URL_IN_TEXT)) {
    const raw = match[0];
    let end = raw.length;
    while (end > 0 && TRAILING_PUNCTUATION.has(raw[end - 1] as string)) end--;
    // "(see https://x.y/z)": a closing parenthesis without an opening one in the URL belongs to the prose
    const url = raw.slice(0, end);
    let unmatched = countChar(url, ")") - countChar(url, "(");
    while (unmatched > 0 && end > 0 && raw[end - 1] === ")") {
      end--;
      unmatched--;
    }
    urls.push(raw.slice(0, end));
  }
  return urls;
}

/** Syntax only (no network): http(s), and a host that is localhost, an IP address or a domain with a real TLD. */
export function isValidUrl(candidate: string): boolean {
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return false;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  const host = url.hostname;
  if (host === "localhost" || IPV4.test(host) || (host.startsWith("[") && host.endsWith("]"))) return true;
  const labels = host.split(".");
  if (labels.length < 2) return false;
  return labels.every((l) => DOMAIN_LABEL.test(l)) && TLD.test(labels.at(-1) as string);
}

/**
 * `default.validUrls`: every URL in the text is well-formed (a text without URLs passes, as in Portkey). Portkey
 * fetches each URL (or resolves its domain with `onlyDNS`); this gateway never calls out from a check, so the
 * check is syntactic and `onlyDNS` is accepted without effect.
 */
export const validUrls: CheckDefinition = defineCheck(
  "default.validUrls",
  { onlyDNS: z.boolean({ error: "must be a boolean" }).optional() },
  function buildValidUrls() {
    return function validUrlsCheck({ text }) {
      const urls = findUrls(text);
      const invalid = urls.filter((u) => !isValidUrl(u));
      return {
        verdict: invalid.length === 0,
        data: {
          validUrls: urls.filter((u) => !invalid.includes(u)),
          invalidUrls: invalid,
          explanation: invalid.length ? `${invalid.length} malformed URL(s) found.` : "All URLs are well-formed.",
          textExcerpt: excerpt(text),
        },
      };
    };
  },
);

/** Portkey's code formats and the fence tags that name them. */
const FORMAT_TAGS: Readonly<Record<string, readonly string[]>> = {
  SQL: ["sql", "mysql", "postgresql", "postgres", "psql", "sqlite", "plsql", "tsql"],
  Python: ["py", "python", "python3", "py3"],
  TypeScript: ["ts", "typescript", "tsx"],
  JavaScript: ["js", "javascript", "jsx", "node", "mjs", "cjs"],
  Java: ["java"],
  "C#": ["cs", "csharp", "c#"],
  "C++": ["cpp", "c++", "cxx", "cc", "hpp"],
  C: ["c", "h"],
  Ruby: ["rb", "ruby"],
  PHP: ["php"],
  Swift: ["swift"],
  Kotlin: ["kt", "kotlin", "kts"],
  Go: ["go", "golang"],
  Rust: ["rs", "rust"],
  Scala: ["scala"],
  R: ["r"],
  Perl: ["pl", "perl"],
  Shell: ["sh", "bash", "shell", "zsh", "console", "shellscript"],
  HTML: ["html", "htm"],
  CSS: ["css"],
  XML: ["xml"],
  JSON: ["json"],
  YAML: ["yml", "yaml"],
  Markdown: ["md", "markdown"],
  Dockerfile: ["dockerfile", "docker"],
};
const FORMATS = Object.keys(FORMAT_TAGS) as [string, ...string[]];
const FORMAT_OF_TAG: ReadonlyMap<string, string> = new Map(
  Object.entries(FORMAT_TAGS).flatMap(([format, tags]) => tags.map((t) => [t, format] as const)),
);
const FENCE = "```";
const FENCE_TAG = /[\w#+.-]/;

/**
 * The formats of the fenced code blocks in a text (`\`\`\`python ...`), in order: a fence, a tag, the rest of
 * its line, then anything up to the next fence. A scan with `indexOf`, linear in the text (a regex with the tag
 * and the rest of the line both greedy backtracks quadratically over a long line without a newline).
 */
export function codeFormats(text: string): string[] {
  const formats: string[] = [];
  let from = 0;
  for (let open = text.indexOf(FENCE, from); open !== -1; open = text.indexOf(FENCE, from)) {
    let i = open + FENCE.length;
    while (text[i] === " " || text[i] === "\t") i++;
    const tagStart = i;
    while (i < text.length && FENCE_TAG.test(text[i] as string)) i++;
    if (i === tagStart) {
      from = open + 1;
      continue;
    }
    const lineEnd = text.indexOf("\n", i);
    if (lineEnd === -1) break; // no later fence can have a newline either
    const close = text.indexOf(FENCE, lineEnd + 1);
    if (close === -1) break; // nor a closing fence
    const format = FORMAT_OF_TAG.get(text.slice(tagStart, i).toLowerCase());
    if (format) formats.push(format);
    from = close + FENCE.length;
  }
  return formats;
}

/** `default.containsCode`: the text has a fenced code block in `format` (Portkey's list, e.g. "Python", "SQL"). */
export const containsCode: CheckDefinition = defineCheck(
  "default.containsCode",
  { format: z.enum(FORMATS, { error: `must be one of: ${FORMATS.join(", ")}` }) },
  function buildContainsCode({ format }) {
    return function containsCodeCheck({ text }) {
      const found = codeFormats(text);
      const verdict = found.includes(format);
      return {
        verdict,
        data: {
          format,
          codeBlocksFound: found,
          explanation: verdict ? `Found a ${format} code block.` : `No ${format} code block found.`,
        },
      };
    };
  },
);

/** `default.modelWhitelist`: the request's `model` is one of `models` (checked in either phase). */
export const modelWhitelist: CheckDefinition = defineCheck(
  "default.modelWhitelist",
  {
    models: z
      .array(z.string({ error: "must be a model name" }).min(1, "must not be empty"), {
        error: "must be an array of model names",
      })
      .min(1, "must name at least one model"),
  },
  function buildModelWhitelist({ models }) {
    const allowed = new Set(models);
    return function modelWhitelistCheck({ request }) {
      const model = typeof request.model === "string" ? request.model : null;
      const verdict = model !== null && allowed.has(model);
      return {
        verdict,
        data: {
          requestedModel: model,
          allowedModels: models,
          explanation: verdict ? `Model "${model}" is allowed.` : `Model "${model ?? "(none)"}" is not in the list.`,
        },
      };
    };
  },
);
