import { InvalidConfigError } from "../core/config-error";
import { withEngines } from "../core/lazy-engine";
import type { SavedGuardrails } from "../guardrails/saved-guardrails";
import { configCompiler } from "./compiler-on-demand";

/** The admin API's config validator: a saved config must compile exactly as the gateway would compile it. */
export async function validateRoutingConfig(
  value: unknown,
  savedGuardrails?: SavedGuardrails,
): Promise<{ ok: true } | { ok: false; message: string; path: string }> {
  try {
    await withEngines(() => configCompiler().compileConfig(value, savedGuardrails));
    return { ok: true };
  } catch (err) {
    if (err instanceof InvalidConfigError) return { ok: false, message: err.message, path: err.param ?? "config" };
    throw err;
  }
}
