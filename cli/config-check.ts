import { savedGuardrailHook, savedGuardrailRefs } from "../shared/guardrails/saved-guardrails";
import { InvalidConfigError } from "../shared/routing/config-schema";
import { validateRoutingConfig } from "../shared/routing/validate-config";
import { UsageError } from "./errors";

/**
 * Checks a routing config exactly as the admin API does (`validateRoutingConfig`: the gateway's own compiler),
 * before any request. Saved guardrails it names by id live on the server: locally they stand as empty hooks, and
 * the server checks that they exist when the config is saved.
 */
export async function validateConfigLocally(config: unknown): Promise<void> {
  let refs: string[];
  try {
    refs = savedGuardrailRefs(config);
  } catch (err) {
    if (err instanceof InvalidConfigError) throw new UsageError(`Invalid config: ${err.message}`);
    throw err;
  }
  const saved = new Map(refs.map((id) => [id, savedGuardrailHook(id, [], {})]));
  const result = await validateRoutingConfig(config, saved);
  if (!result.ok) {
    const message = result.message.startsWith("Invalid config") ? result.message : `Invalid config: ${result.message}`;
    throw new UsageError(message);
  }
}
