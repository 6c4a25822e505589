import { MAX_JSON_DEPTH, nestedDeeperThan } from "../core/json-depth";
import { nodeHooks } from "../guardrails/compile-hooks";
import type { SavedGuardrails } from "../guardrails/saved-guardrails";
import {
  checkProviderOption,
  hostOptionIn,
  isProviderOption,
  virtualKeyHostOverride,
} from "../providers/provider-options";
import { compileQuery } from "./conditions";
import { InvalidConfigError, parseConfig, type RawConfigNode } from "./config-schema";
import {
  type CacheSettings,
  type CompiledPlan,
  type ConditionBranch,
  DEFAULT_RETRY_STATUS_CODES,
  type LeafNode,
  type PlanNode,
  type RetryPolicy,
  type StrategyNode,
} from "./plan";

const MAX_DEPTH = 10;
const MAX_NODES = 200;

/** Keys with a meaning of their own: never handed to the provider as options. */
const KNOWN_KEYS = new Set([
  "strategy",
  "targets",
  "provider",
  "api_key",
  "virtual_key",
  "custom_host",
  "name",
  "weight",
  "override_params",
  "retry",
  "request_timeout",
  "cache",
  "before_request_hooks",
  "after_request_hooks",
  "beforeRequestHooks",
  "afterRequestHooks",
  "input_guardrails",
  "output_guardrails",
  "forward_headers",
  "prompt_id",
  // Portkey keys accepted and not acted on here (mutators and circuit breakers are not offered)
  "input_mutators",
  "output_mutators",
  "default_input_guardrails",
  "default_output_guardrails",
  "strict_open_ai_compliance",
  "on_status_codes",
  "cb_config",
  "id",
]);

/** Settings a node passes down to its targets unless a target sets its own (override_params are merged). */
interface Inherited {
  readonly overrideParams?: Readonly<Record<string, unknown>>;
  readonly retry: RetryPolicy;
  readonly cache?: CacheSettings;
  readonly requestTimeoutMs?: number;
  readonly customHost?: string;
  readonly beforeRequestHooks?: readonly unknown[];
  readonly afterRequestHooks?: readonly unknown[];
  readonly forwardHeaders?: readonly string[];
}

interface CompileState {
  nodes: number;
  readonly leaves: LeafNode[];
  readonly customHosts: Set<string>;
  /** The saved guardrails the config names, read from its workspace before compiling. */
  readonly savedGuardrails?: SavedGuardrails;
}

const ROOT_INHERITED: Inherited = {
  retry: { attempts: 0, onStatusCodes: new Set(DEFAULT_RETRY_STATUS_CODES) },
};

function inherit(node: RawConfigNode, parent: Inherited, path: string, saved?: SavedGuardrails): Inherited {
  const overrides = node.override_params
    ? { ...parent.overrideParams, ...node.override_params }
    : parent.overrideParams;
  return {
    overrideParams: overrides && Object.keys(overrides).length > 0 ? Object.freeze(overrides) : undefined,
    retry: node.retry
      ? {
          attempts: node.retry.attempts,
          onStatusCodes: new Set(node.retry.on_status_codes ?? DEFAULT_RETRY_STATUS_CODES),
        }
      : parent.retry,
    cache: node.cache ? cacheSettings(node.cache) : parent.cache,
    requestTimeoutMs: node.request_timeout ?? parent.requestTimeoutMs,
    customHost: node.custom_host ?? parent.customHost,
    // hooks are validated and compiled here, once per config (shared/guardrails/compile-hooks.ts)
    beforeRequestHooks: nodeHooks(node, "before", path, saved) ?? parent.beforeRequestHooks,
    afterRequestHooks: nodeHooks(node, "after", path, saved) ?? parent.afterRequestHooks,
    forwardHeaders: node.forward_headers?.map((h) => h.trim().toLowerCase()) ?? parent.forwardHeaders,
  };
}

function cacheSettings(cache: NonNullable<RawConfigNode["cache"]>): CacheSettings {
  const embedding = cache.embedding;
  return Object.freeze({
    mode: cache.mode,
    maxAgeSeconds: cache.max_age,
    similarityThreshold: cache.similarity_threshold,
    embedding: embedding
      ? Object.freeze({
          virtualKey: embedding.virtual_key,
          provider: embedding.provider,
          apiKey: embedding.api_key,
          customHost: embedding.custom_host,
          model: embedding.model,
        })
      : undefined,
  });
}

/** Portkey spells provider fields in snake_case in configs (`resource_name`); adapters read camelCase. */
function camelCase(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The target's provider settings; the ones adapters read are checked here, once per config. */
function providerOptions(node: RawConfigNode, path: string): Record<string, string> {
  const options: Record<string, string> = {};
  for (const key in node) {
    if (KNOWN_KEYS.has(key)) continue;
    const value = node[key];
    if (value === undefined || value === null) continue;
    const option = camelCase(key);
    const text = typeof value === "string" ? value : JSON.stringify(value);
    options[option] = isProviderOption(option) ? checkProviderOption(option, text, `${path}.${key}`) : text;
  }
  return Object.freeze(options);
}

/** A virtual key's secret goes only to its own host: no custom host or host option may sit next to one. */
function checkVirtualKeyHost(node: RawConfigNode, settings: Inherited, options: Record<string, string>, path: string) {
  if (node.virtual_key && settings.customHost) throw virtualKeyHostOverride(`${path}.custom_host`);
  const hostOption = node.virtual_key ? hostOptionIn(options) : undefined;
  if (hostOption) throw virtualKeyHostOverride(`${path}.${hostOption}`);
  const embedding = settings.cache?.embedding;
  if (embedding?.virtualKey && embedding.customHost)
    throw virtualKeyHostOverride(`${path}.cache.embedding.custom_host`);
}

function compileLeaf(node: RawConfigNode, path: string, settings: Inherited, isRoot: boolean, state: CompileState) {
  if (!isRoot && !node.provider && !node.virtual_key && !node.prompt_id) {
    throw new InvalidConfigError(
      `${path}: a target needs "provider", "virtual_key" or "prompt_id" (or "targets")`,
      path,
    );
  }
  const options = providerOptions(node, path);
  checkVirtualKeyHost(node, settings, options, path);
  if (settings.customHost) state.customHosts.add(settings.customHost);
  const embeddingHost = settings.cache?.embedding?.customHost;
  if (embeddingHost) state.customHosts.add(embeddingHost);
  const leaf: LeafNode = Object.freeze({
    kind: "leaf",
    path,
    name: node.name,
    provider: node.provider,
    apiKey: node.api_key,
    virtualKey: node.virtual_key,
    customHost: settings.customHost,
    fromHeaders: isRoot && !node.provider && !node.virtual_key,
    options,
    overrideParams: settings.overrideParams,
    retry: settings.retry,
    requestTimeoutMs: settings.requestTimeoutMs,
    cache: settings.cache,
    beforeRequestHooks: settings.beforeRequestHooks,
    afterRequestHooks: settings.afterRequestHooks,
    forwardHeaders: settings.forwardHeaders,
    promptId: node.prompt_id,
  });
  state.leaves.push(leaf);
  return leaf;
}

function findTarget(targets: readonly RawConfigNode[], name: string, path: string): number {
  const index = targets.findIndex((t) => t.name === name);
  if (index === -1) throw new InvalidConfigError(`${path}: no target named "${name}" in this targets list`, path);
  return index;
}

function compileNode(
  node: RawConfigNode,
  path: string,
  parent: Inherited,
  depth: number,
  state: CompileState,
): PlanNode {
  state.nodes += 1;
  if (state.nodes > MAX_NODES) throw new InvalidConfigError(`config: more than ${MAX_NODES} targets in total`);
  if (depth > MAX_DEPTH) throw new InvalidConfigError(`${path}: targets nested deeper than ${MAX_DEPTH} levels`, path);
  const settings = inherit(node, parent, path, state.savedGuardrails);
  const { strategy, targets } = node;
  if (!strategy && !targets) return compileLeaf(node, path, settings, depth === 0, state);
  if (!strategy) throw new InvalidConfigError(`${path}.strategy: required when "targets" is given`, `${path}.strategy`);
  if (!targets || targets.length === 0) {
    throw new InvalidConfigError(`${path}.targets: a strategy needs at least one target`, `${path}.targets`);
  }
  const children = targets.map((t, i) => compileNode(t, `${path}.targets[${i}]`, settings, depth + 1, state));

  const cumulativeWeights = new Float64Array(targets.length);
  let total = 0;
  targets.forEach((t, i) => {
    total += t.weight ?? 1;
    cumulativeWeights[i] = total;
  });
  if (strategy.mode === "loadbalance" && total <= 0) {
    throw new InvalidConfigError(`${path}.targets: loadbalance needs a target with weight > 0`, `${path}.targets`);
  }

  const conditions: ConditionBranch[] = [];
  let defaultIndex: number | undefined;
  if (strategy.mode === "conditional") {
    const at = `${path}.strategy.conditions`;
    if (!strategy.conditions || strategy.conditions.length === 0) {
      throw new InvalidConfigError(`${at}: conditional mode needs at least one condition`, at);
    }
    strategy.conditions.forEach((c, i) => {
      const predicate = compileQuery(c.query, `${at}[${i}].query`);
      conditions.push({ predicate, childIndex: findTarget(targets, c.then, `${at}[${i}].then`) });
    });
    if (strategy.default !== undefined) {
      defaultIndex = findTarget(targets, strategy.default, `${path}.strategy.default`);
    }
  }

  const result: StrategyNode = {
    kind: "strategy",
    path,
    mode: strategy.mode,
    children,
    onStatusCodes: strategy.on_status_codes ? new Set(strategy.on_status_codes) : undefined,
    cumulativeWeights,
    totalWeight: total,
    conditions,
    defaultIndex,
  };
  return Object.freeze(result);
}

/**
 * Validates a Gateway Config and compiles it into a routing plan. Throws `InvalidConfigError` (400,
 * `invalid_config`) naming the path of the first bad fields. Pure: call once per distinct config and cache.
 * `savedGuardrails`: the saved guardrails the config names (`savedGuardrailRefs`), read from its workspace.
 */
export function compileConfig(raw: unknown, savedGuardrails?: SavedGuardrails): CompiledPlan {
  // Checked first: the schema, the condition and JSON Schema compilers all recurse over the config.
  if (nestedDeeperThan(raw)) {
    throw new InvalidConfigError(`config: nested more than ${MAX_JSON_DEPTH} levels deep`, "config");
  }
  const config = parseConfig(raw);
  const state: CompileState = { nodes: 0, leaves: [], customHosts: new Set(), savedGuardrails };
  const root = compileNode(config, "config", ROOT_INHERITED, 0, state);
  return Object.freeze({ root, leaves: state.leaves, customHosts: [...state.customHosts], fromConfig: true });
}
