import { lazyEngine } from "../core/lazy-engine";
import type { CompiledCheck } from "./types";

/**
 * The built-in checks (`check-registry.ts`: every check's code and parameter schema, 26 kB), loaded with the first
 * hook compiled, not at cold start (ADR 0041). Compile through `withEngines`.
 */
const registry = lazyEngine("guardrail checks", () => import("./check-registry"));

/** `check-registry`'s `compileCheck`, once the checks are loaded. */
export function compileCheck(id: string, parameters: unknown, at: string): CompiledCheck {
  return registry.get().compileCheck(id, parameters, at);
}
