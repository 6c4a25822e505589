import { BadRequestError } from "./errors";

/**
 * A Gateway Config (or a part of one: a guardrail hook, a condition) that cannot be used: a 400 naming the config
 * path at fault. Routing, guardrails and the admin API raise it alike, so it lives below all of them.
 */
export class InvalidConfigError extends BadRequestError {
  constructor(message: string, path = "config") {
    super(`Invalid config: ${message}`, { code: "invalid_config", param: path });
  }
}

/** Renders a path the way users read their config: `config.targets[1].weight`. */
export function configPath(path: readonly PropertyKey[]): string {
  let out = "config";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : `.${String(part)}`;
  return out;
}
