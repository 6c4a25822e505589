import { withEngines } from "../core/lazy-engine";
import type { SavedGuardrails } from "../guardrails/saved-guardrails";
import { compileConfig } from "./compile";
import { InvalidConfigError } from "./config-schema";

/** The admin API's config validator: a saved config must compile exactly as the gateway would compile it. */
export async function validateRoutingConfig(
  value: unknown,
  savedGuardrails?: SavedGuardrails,
): Promise<{ ok: true } | { ok: false; message: string; path: string }> {
  try {
    await withEngines(() => compileConfig(value, savedGuardrails));
    return { ok: true };
  } catch (err) {
    if (err instanceof InvalidConfigError) return { ok: false, message: err.message, path: err.param ?? "config" };
    throw err;
  }
}
