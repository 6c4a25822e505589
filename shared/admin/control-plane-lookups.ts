import { GatewayAuthenticator } from "../auth/gateway-authenticator";
import type { KeyHasher } from "../auth/gateway-key";
import { lazyKeyHasher } from "../auth/key-pepper";
import { RootKeyMatcher, type RootKeySource } from "../auth/root-key";
import type { SecretCipher } from "../crypto/secret-cipher";
import { PromptResolver } from "../prompts/prompt-resolver";
import { ConfigResolver } from "../store/config-resolver";
import type { ControlStore } from "../store/control-store";
import { GuardrailResolver } from "../store/guardrail-resolver";
import { VirtualKeyResolver } from "../store/virtual-key-resolver";
import type { AdminLogger, ConfigValidator, UsageReader } from "./admin-types";

/**
 * What the data plane reads from the control plane, built once per process (cold start). The gateway function
 * builds only this: the admin API (`control-plane.ts`) stays out of its bundle (ADR 0039).
 */
export interface ControlPlaneLookups {
  readonly store: ControlStore;
  readonly cipher: SecretCipher;
  readonly authenticator: GatewayAuthenticator;
  readonly virtualKeys: VirtualKeyResolver;
  readonly configs: ConfigResolver;
  /** Saved guardrails named by configs, cached like configs. */
  readonly guardrails: GuardrailResolver;
  /** Saved prompts for the gateway's prompt endpoints (its prompts step), cached like configs. */
  readonly prompts: PromptResolver;
  readonly keyHasher: () => Promise<KeyHasher>;
}

/** Tunables shared by the AWS and local factories. TTLs: see docs/control-plane.md. */
export interface ControlPlaneOptions {
  /** Real routing-config validation (the default only checks for a JSON object). */
  readonly validateConfig?: ConfigValidator;
  readonly logger?: AdminLogger;
  readonly principalTtlMs?: number;
  readonly virtualKeyTtlMs?: number;
  readonly configTtlMs?: number;
  readonly now?: () => number;
  /** Budget counters for the admin API's usage routes. */
  readonly usage?: UsageReader;
}

export function assembleLookups(
  store: ControlStore,
  cipher: SecretCipher,
  rootKey: RootKeySource | undefined,
  options: ControlPlaneOptions,
): ControlPlaneLookups {
  const now = options.now ?? Date.now;
  const keyHasher = lazyKeyHasher(store, cipher);
  const authenticator = new GatewayAuthenticator({
    store,
    keyHasher,
    ...(rootKey === undefined ? {} : { rootKey: new RootKeyMatcher(rootKey) }),
    ...(options.principalTtlMs === undefined ? {} : { principalTtlMs: options.principalTtlMs }),
    now,
  });
  const virtualKeys = new VirtualKeyResolver({
    store,
    cipher,
    ...(options.virtualKeyTtlMs === undefined ? {} : { policy: { hitTtlMs: options.virtualKeyTtlMs } }),
    now,
  });
  const configs = new ConfigResolver({
    store,
    ...(options.configTtlMs === undefined ? {} : { policy: { hitTtlMs: options.configTtlMs } }),
    now,
  });
  const guardrails = new GuardrailResolver({
    store,
    ...(options.configTtlMs === undefined ? {} : { policy: { hitTtlMs: options.configTtlMs } }),
    now,
  });
  const prompts = new PromptResolver({
    store,
    ...(options.configTtlMs === undefined ? {} : { policy: { hitTtlMs: options.configTtlMs } }),
    now,
  });
  return { store, cipher, authenticator, virtualKeys, configs, guardrails, prompts, keyHasher };
}
