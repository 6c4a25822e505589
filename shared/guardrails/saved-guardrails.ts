import { InvalidConfigError } from "../core/config-error";
import type { RawHook } from "./hook-schema";
import type { GuardrailActions, GuardrailChecks } from "./saved-guardrail-schemas";

/**
 * Saved guardrails (Portkey's `/v1/guardrails`): a hook's checks and actions stored once per workspace and named
 * from configs by id, `before_request_hooks: [{"id": "pg-..."}]` or `input_guardrails: ["pg-..."]`. A config is
 * compiled with the saved guardrails it names already read (`SavedGuardrails`), so compiling stays pure and
 * synchronous; a reference missing from that map is a 400 naming its config path, never skipped. Their schemas are
 * in `saved-guardrail-schemas.ts`, loaded with the first saved guardrail read (ADR 0044).
 */
export type { GuardrailActions, GuardrailChecks } from "./saved-guardrail-schemas";

/** The saved guardrails a config names, read from its workspace: id (slug) -> the hook it stands for. */
export type SavedGuardrails = ReadonlyMap<string, RawHook>;

/** More distinct references than this in one config is a 400 (each is a lookup before the config compiles). */
export const MAX_GUARDRAIL_REFERENCES = 32;

/** The hook a saved guardrail stands for: its id is the guardrail's id, so `hook_results` and logs name it. */
export function savedGuardrailHook(slug: string, checks: GuardrailChecks, actions: GuardrailActions): RawHook {
  return { id: slug, type: "guardrail", ...actions, checks };
}

/** The saved hook a reference names, or a 400 naming where the config names it. */
export function referencedHook(id: string, saved: SavedGuardrails | undefined, param: string): RawHook {
  const hook = saved?.get(id);
  if (hook === undefined) {
    throw new InvalidConfigError(`${param}: no saved guardrail "${id}" in this workspace`, param);
  }
  return hook;
}

const LIST_KEYS = ["before_request_hooks", "after_request_hooks", "beforeRequestHooks", "afterRequestHooks"];
const SHORTHAND_KEYS = ["input_guardrails", "output_guardrails"];
/** Deeper than the compiler accepts (it refuses such configs itself); bounds this walk on any input. */
const MAX_WALK_DEPTH = 12;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The saved-guardrail ids a raw (not yet validated) config names, each once, in order: entries of the hook lists
 * without `checks`, and string entries of `input_guardrails` / `output_guardrails`, on every node.
 */
export function savedGuardrailRefs(raw: unknown): string[] {
  const found = new Set<string>();
  function visit(node: unknown, depth: number): void {
    if (!isObject(node) || depth > MAX_WALK_DEPTH) return;
    for (const key of LIST_KEYS) {
      const list = node[key];
      if (!Array.isArray(list)) continue;
      for (const entry of list) {
        if (isObject(entry) && !Object.hasOwn(entry, "checks") && typeof entry.id === "string") found.add(entry.id);
      }
    }
    for (const key of SHORTHAND_KEYS) {
      const list = node[key];
      if (Array.isArray(list)) for (const entry of list) if (typeof entry === "string") found.add(entry);
    }
    const targets = node.targets;
    if (Array.isArray(targets)) for (const target of targets) visit(target, depth + 1);
  }
  visit(raw, 0);
  if (found.size > MAX_GUARDRAIL_REFERENCES) {
    throw new InvalidConfigError(`config: names more than ${MAX_GUARDRAIL_REFERENCES} saved guardrails`, "config");
  }
  return [...found];
}
