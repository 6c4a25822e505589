import * as z from "zod";
import { configPath, InvalidConfigError } from "../core/config-error";
import { compileCheck } from "./checks-on-demand";
import { type HookEntry, hookListSchema, hookOutcomeSchema, type RawHook } from "./hook-schema";
import { referencedHook, type SavedGuardrails } from "./saved-guardrails";
import type { CompiledCheck, CompiledHook, CompiledHooks } from "./types";

/**
 * Hooks are compiled once per config: the routing compiler calls `compileHooks` for every hook list it meets
 * (so a bad check is a 400 naming its path before any request runs) and the result is memoised by the list's
 * identity. The plan's leaves carry the raw lists; `compiledHooksOf` finds their compiled form with one WeakMap
 * lookup per request.
 */
const compiled = new WeakMap<readonly unknown[], CompiledHooks>();

function compileHook(hook: RawHook, at: string): CompiledHook {
  const checks: CompiledCheck[] = [];
  hook.checks.forEach((check, i) => {
    const compiledCheck = compileCheck(check.id, check.parameters, `${at}.checks[${i}]`);
    if (check.is_enabled !== false) checks.push(compiledCheck);
  });
  return Object.freeze({
    id: hook.id,
    type: hook.type,
    deny: hook.deny === true,
    async: hook.async === true,
    onFail: hook.on_fail?.feedback,
    onSuccess: hook.on_success?.feedback,
    checks: Object.freeze(checks),
  });
}

/** Validates (check ids and parameters) and compiles a hook list already shaped by `hookListSchema`. */
export function compileHooks(hooks: readonly RawHook[], at: string): CompiledHooks {
  const cached = compiled.get(hooks);
  if (cached) return cached;
  const result = Object.freeze(hooks.map((hook, i) => compileHook(hook, `${at}[${i}]`)));
  compiled.set(hooks, result);
  return result;
}

/** The hook keys of one config node, as the routing schema shaped them (shared/routing/config-schema.ts). */
export interface ConfigNodeHooks {
  readonly before_request_hooks?: readonly HookEntry[];
  readonly beforeRequestHooks?: readonly HookEntry[];
  readonly input_guardrails?: readonly unknown[];
  readonly after_request_hooks?: readonly HookEntry[];
  readonly afterRequestHooks?: readonly HookEntry[];
  readonly output_guardrails?: readonly unknown[];
}

const PHASE_KEYS = {
  before: ["before_request_hooks", "beforeRequestHooks", "input_guardrails"],
  after: ["after_request_hooks", "afterRequestHooks", "output_guardrails"],
} as const;

/**
 * The hooks a config node sets for one phase, validated and compiled (errors name their config path), or
 * undefined when the node sets none (its targets then inherit the parent's). Accepts Portkey's spellings:
 * `before_request_hooks` (or camelCase `beforeRequestHooks`) plus the `input_guardrails` shorthand, appended.
 * Entries naming a saved guardrail (`{"id": "pg-..."}`, or a string in the shorthand) take its hook from `saved`.
 */
export function nodeHooks(
  node: ConfigNodeHooks,
  phase: "before" | "after",
  path: string,
  saved?: SavedGuardrails,
): readonly RawHook[] | undefined {
  const [snakeKey, camelKey, shorthandKey] = PHASE_KEYS[phase];
  const snake = node[snakeKey];
  const camel = node[camelKey];
  const shorthand = node[shorthandKey];
  if (snake && camel) {
    throw new InvalidConfigError(`${path}: set "${snakeKey}" or "${camelKey}", not both`, `${path}.${camelKey}`);
  }
  if (!snake && !camel && !shorthand) return undefined;
  const listKey = snake ? snakeKey : camelKey;
  const raw: RawHook[] = [];
  const result: CompiledHook[] = [];
  (snake ?? camel ?? []).forEach((entry, i) => {
    const at = `${path}.${listKey}[${i}]`;
    const hook = entry.checks === undefined ? referencedHook(entry.id, saved, `${at}.id`) : (entry as RawHook);
    raw.push(hook);
    result.push(compileHook(hook, at));
  });
  if (shorthand) {
    hooksFromShorthand(shorthand, `${path}.${shorthandKey}`, saved).forEach((hook, i) => {
      raw.push(hook);
      result.push(compileHook(hook, `${path}.${shorthandKey}[${i}]`));
    });
  }
  compiled.set(raw, Object.freeze(result));
  return raw;
}

/** The compiled form of a leaf's hook list (compiled now if the list did not come through the routing compiler). */
export function compiledHooksOf(hooks: readonly unknown[] | undefined): CompiledHooks | undefined {
  if (!hooks || hooks.length === 0) return undefined;
  const cached = compiled.get(hooks);
  if (cached) return cached;
  const parsed = hookListSchema.safeParse(hooks);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = configPath(["hooks", ...(issue?.path ?? [])]);
    throw new InvalidConfigError(`${path}: ${issue?.message ?? "invalid hook"}`, path);
  }
  const inline = parsed.data.map((entry, i) =>
    entry.checks === undefined ? referencedHook(entry.id, undefined, `config.hooks[${i}].id`) : (entry as RawHook),
  );
  const result = compileHooks(inline, "config.hooks");
  compiled.set(hooks, result);
  return result;
}

/** Hook-level keys of a Portkey shorthand guardrail (`input_guardrails: [{"default.contains": {...}, deny: true}]`). */
const shorthandSchema = z.looseObject({
  id: z.string({ error: "must be a string" }).min(1, "must not be empty").optional(),
  deny: z.boolean({ error: "must be a boolean" }).optional(),
  async: z.boolean({ error: "must be a boolean" }).optional(),
  on_fail: hookOutcomeSchema.optional(),
  on_success: hookOutcomeSchema.optional(),
});
const HOOK_KEYS = new Set(["id", "type", "deny", "async", "on_fail", "on_success"]);

/**
 * Turns Portkey's shorthand (`input_guardrails` / `output_guardrails`: each entry one hook whose other keys are
 * check ids with their parameters) into hook objects. A string entry names a saved guardrail (taken from `saved`).
 */
export function hooksFromShorthand(entries: readonly unknown[], at: string, saved?: SavedGuardrails): RawHook[] {
  return entries.map((entry, i) => {
    const here = `${at}[${i}]`;
    if (typeof entry === "string") return referencedHook(entry, saved, here);
    const parsed = shorthandSchema.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = `${here}${issue?.path.length ? `.${issue.path.join(".")}` : ""}`;
      throw new InvalidConfigError(`${path}: ${issue?.message ?? "must be an object"}`, path);
    }
    const hook = parsed.data;
    const checks = Object.entries(hook)
      .filter(([key]) => !HOOK_KEYS.has(key))
      .map(([id, parameters]) => ({ id, parameters: parameters as Record<string, unknown> | undefined }));
    if (checks.length === 0) throw new InvalidConfigError(`${here}: names no check (e.g. "default.contains")`, here);
    return {
      id: hook.id ?? here.replace(/^config\./, ""),
      type: "guardrail" as const,
      deny: hook.deny,
      async: hook.async,
      on_fail: hook.on_fail,
      on_success: hook.on_success,
      checks,
    };
  });
}
