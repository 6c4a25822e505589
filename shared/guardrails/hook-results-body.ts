import type { HookResults } from "./types";

function isJsonSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/**
 * Adds `"hook_results": {...}` as the last member of a JSON object body without re-serialising the answer (one
 * string splice). Returns undefined when the body is not a JSON object (then it is passed through unchanged).
 */
export function withHookResults(body: string | Buffer, hookResults: HookResults): string | undefined {
  const text = typeof body === "string" ? body : body.toString("utf8");
  let start = 0;
  while (start < text.length && isJsonSpace(text.charCodeAt(start))) start++;
  let end = text.length - 1;
  while (end > start && isJsonSpace(text.charCodeAt(end))) end--;
  if (text[start] !== "{" || text[end] !== "}" || end === start) return undefined;
  let last = end - 1;
  while (last > start && isJsonSpace(text.charCodeAt(last))) last--;
  const separator = last === start ? "" : ",";
  return `${text.slice(0, end)}${separator}"hook_results":${JSON.stringify(hookResults)}${text.slice(end)}`;
}
