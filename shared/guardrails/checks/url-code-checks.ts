import { z } from "zod";
import { type CheckDefinition, defineCheck, excerpt } from "../check-definition";

const URL_IN_TEXT = /https?:\/\/[^\s<>"'`]+/g;
const TRAILING_PUNCTUATION = /[.,;:!?'"\]}>]+$/;
const DOMAIN_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const TLD = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/;

/** The URLs of a text, without the sentence punctuation that often follows them. */
export function findUrls(text: string): string[] {
  const urls: string[] = [];
  for (const match of text.matchAll(URL_IN_TEXT)) {
    let url = match[0].replace(TRAILING_PUNCTUATION, "");
    // "(see https://x.y/z)": a closing parenthesis without an opening one in the URL belongs to the prose
    while (url.endsWith(")") && url.split("(").length < url.split(")").length) url = url.slice(0, -1);
    urls.push(url);
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
const FENCE = /```[ \t]*([\w#+.-]+)[^\n]*\n[\s\S]*?```/g;

/** The formats of the fenced code blocks in a text (`\`\`\`python ...`), in order. */
export function codeFormats(text: string): string[] {
  const formats: string[] = [];
  for (const match of text.matchAll(FENCE)) {
    const format = FORMAT_OF_TAG.get((match[1] ?? "").toLowerCase());
    if (format) formats.push(format);
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
