import { lazyEngine } from "../core/lazy-engine";

/**
 * The config compiler (`compile.ts`: the config schema, conditions, hooks), loaded with the first config a process
 * compiles, not at cold start: a request without `x-portkey-config` never needs it (ADR 0041). Call inside
 * `withEngines`.
 */
const compiler = lazyEngine("config compiler", () => import("./compile"));

export function configCompiler(): typeof import("./compile") {
  return compiler.get();
}
