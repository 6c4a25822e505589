import type { RootKeySource } from "../auth/root-key";
import type { SecretCipher } from "../crypto/secret-cipher";
import type { CoreHandler } from "../http/types";
import type { ControlStore } from "../store/control-store";
import { createAdminCore } from "./admin-core";
import { validateConfigIsObject } from "./admin-types";
import { assembleLookups, type ControlPlaneLookups, type ControlPlaneOptions } from "./control-plane-lookups";

export type { ControlPlaneOptions } from "./control-plane-lookups";

/** Everything the admin and analytics functions need from the control plane, built once per process (cold start). */
export interface ControlPlane extends ControlPlaneLookups {
  readonly adminCore: CoreHandler;
}

export function assembleControlPlane(
  store: ControlStore,
  cipher: SecretCipher,
  rootKey: RootKeySource | undefined,
  options: ControlPlaneOptions,
): ControlPlane {
  const lookups = assembleLookups(store, cipher, rootKey, options);
  const { authenticator, virtualKeys, configs, guardrails, prompts, keyHasher } = lookups;
  const now = options.now ?? Date.now;
  const adminCore = createAdminCore({
    store,
    cipher,
    authenticator,
    keyHasher,
    validateConfig: options.validateConfig ?? validateConfigIsObject,
    now,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.usage === undefined ? {} : { usage: options.usage }),
    // Same-process caches forget changed objects at once; other processes within their TTLs.
    onChange: {
      apiKeyChanged: (id) => authenticator.forgetApiKey(id),
      virtualKeyChanged: (ws, slug) => virtualKeys.forget(ws, slug),
      configChanged: (ws, slug) => configs.forget(ws, slug),
      promptChanged: (ws, slug) => prompts.forget(ws, slug),
      guardrailChanged: (ws, slug) => guardrails.forget(ws, slug),
      partialChanged: (ws, slug) => prompts.forgetPartial(ws, slug),
    },
  });
  return { ...lookups, adminCore };
}
