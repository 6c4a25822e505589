/**
 * Which function serves a path. The CDK stack routes the same prefixes to the same functions; the local runtime
 * uses this table to host all three behind one port.
 */
export type FunctionName = "gateway" | "admin" | "analytics";

const ADMIN_PREFIXES = ["/v1/admin", "/v1/virtual-keys", "/v1/configs", "/v1/api-keys", "/v1/guardrails", "/v1/usage"];
const ANALYTICS_PREFIXES = ["/v1/logs", "/v1/analytics", "/v1/feedback", "/dashboard"];

function under(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

export function functionForPath(path: string): FunctionName {
  // Prompts: rendering and completions are data plane; managing prompts is the admin API.
  if (under(path, "/v1/prompts")) return /\/(completions|render)$/.test(path) ? "gateway" : "admin";
  for (const p of ADMIN_PREFIXES) if (under(path, p)) return "admin";
  for (const p of ANALYTICS_PREFIXES) if (under(path, p)) return "analytics";
  return "gateway";
}
