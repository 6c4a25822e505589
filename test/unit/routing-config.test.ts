import { beforeAll, describe, expect, it } from "vitest";
import { GatewayError } from "../../shared/core/errors";
import { loadEngines } from "../../shared/core/lazy-engine";
import { compileConfig } from "../../shared/routing/compile";
import type { LeafNode, StrategyNode } from "../../shared/routing/plan";

// The regex and JSON Schema engines load on first use (ADR 0041); these tests compile synchronously.
beforeAll(loadEngines);

/** A `strategy.conditions` entry. */
function branch(query: Record<string, unknown>, target: string): Record<string, unknown> {
  // biome-ignore lint/suspicious/noThenProperty: Portkey's config key
  return { query, then: target };
}

function compileError(raw: unknown): GatewayError {
  try {
    compileConfig(raw);
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error("expected compileConfig to throw");
}

describe("Gateway Config validation", () => {
  it.each([
    [
      { strategy: { mode: "loadbalance" }, targets: [{ provider: "openai" }, { provider: "groq", weight: -1 }] },
      "config.targets[1].weight: must be >= 0",
    ],
    [{ strategy: { mode: "roundrobin" }, targets: [{ provider: "openai" }] }, "config.strategy.mode: must be one of"],
    [
      { strategy: { mode: "fallback", on_status_codes: [429, "500"] }, targets: [{ provider: "openai" }] },
      "config.strategy.on_status_codes[1]: must be an HTTP status code",
    ],
    [{ retry: { attempts: 9 } }, "config.retry.attempts: must be <= 5"],
    [{ retry: { attempts: 2, on_status_code: [429] } }, 'config.retry: unknown key(s): "on_status_code"'],
    [{ request_timeout: -5 }, "config.request_timeout: must be > 0"],
    [{ cache: { mode: "fuzzy" } }, "config.cache.mode: must be one of: simple, semantic"],
    [{ strategy: { mode: "fallback" }, targets: [] }, "config.targets: a strategy needs at least one target"],
    [{ targets: [{ provider: "openai" }] }, 'config.strategy: required when "targets" is given'],
    [
      { strategy: { mode: "fallback" }, targets: [{ provider: "openai" }, { api_key: "sk" }] },
      'config.targets[1]: a target needs "provider", "virtual_key" or "prompt_id"',
    ],
    [
      {
        strategy: { mode: "loadbalance" },
        targets: [
          { provider: "a", weight: 0 },
          { provider: "b", weight: 0 },
        ],
      },
      "config.targets: loadbalance needs a target with weight > 0",
    ],
    [
      {
        strategy: { mode: "conditional", conditions: [branch({ "metadata.tier": "pro" }, "fast")] },
        targets: [{ name: "slow", provider: "openai" }],
      },
      'config.strategy.conditions[0].then: no target named "fast"',
    ],
    [
      {
        strategy: { mode: "conditional", conditions: [branch({ "user.tier": "pro" }, "a")] },
        targets: [{ name: "a", provider: "openai" }],
      },
      "must start with metadata. or params.",
    ],
    [
      {
        strategy: { mode: "conditional", conditions: [branch({ "params.model": { $like: "gpt" } }, "a")] },
        targets: [{ name: "a", provider: "openai" }],
      },
      'config.strategy.conditions[0].query.params.model.$like: unsupported operator "$like"',
    ],
    [
      {
        strategy: { mode: "fallback" },
        targets: [{ strategy: { mode: "loadbalance" }, targets: [{ provider: "x", override_params: "gpt-4o" }] }],
      },
      "config.targets[0].targets[0].override_params: must be an object",
    ],
  ])("rejects %j with a 400 naming the bad field", (raw, message) => {
    // Act
    const err = compileError(raw);

    // Assess
    expect(err.statusCode).toBe(400);
    expect(err.code).toBe("invalid_config");
    expect(err.message).toContain(message);
  });

  it("rejects configs that are not objects", () => {
    expect(compileError([1, 2]).message).toContain("config: must be a JSON object");
    expect(compileError("pc-123").code).toBe("invalid_config");
  });
});

/** A valid guardrail hook (hooks are validated since guardrails landed; see test/unit/guardrails-*). */
const PII_HOOK = {
  id: "pii",
  type: "guardrail",
  checks: [{ id: "default.regexMatch", parameters: { rule: "\\d{3}-\\d{2}-\\d{4}" } }],
};

describe("Gateway Config compilation", () => {
  it("merges override_params down the tree and lets children keep their own retry, timeout and host", () => {
    // Prepare
    const raw = {
      strategy: { mode: "fallback", on_status_codes: [429, 503] },
      retry: { attempts: 3 },
      request_timeout: 5000,
      custom_host: "https://llm.example.com/v1",
      override_params: { temperature: 0.2, max_tokens: 10 },
      before_request_hooks: [PII_HOOK],
      targets: [
        { provider: "openai", api_key: "sk-a", override_params: { model: "gpt-4o-mini" } },
        {
          strategy: { mode: "loadbalance" },
          retry: { attempts: 1, on_status_codes: [500] },
          targets: [
            { provider: "groq", api_key: "gk", weight: 3, request_timeout: 100, override_params: { max_tokens: 5 } },
            { provider: "openai", api_key: "sk-b", custom_host: "https://other.example.com/v1", api_version: "2024" },
          ],
        },
      ],
    };

    // Act
    const plan = compileConfig(raw);

    // Assess
    const [first, second, third] = plan.leaves as [LeafNode, LeafNode, LeafNode];
    expect(first.path).toBe("config.targets[0]");
    expect(first.overrideParams).toEqual({ temperature: 0.2, max_tokens: 10, model: "gpt-4o-mini" });
    expect(first.retry.attempts).toBe(3);
    expect([...first.retry.onStatusCodes]).toEqual([429, 500, 502, 503, 504]);
    expect(first.requestTimeoutMs).toBe(5000);
    expect(first.customHost).toBe("https://llm.example.com/v1");
    expect(first.beforeRequestHooks).toEqual([PII_HOOK]);
    expect(second.path).toBe("config.targets[1].targets[0]");
    expect(second.overrideParams).toEqual({ temperature: 0.2, max_tokens: 5 });
    expect(second.retry.attempts).toBe(1);
    expect([...second.retry.onStatusCodes]).toEqual([500]);
    expect(second.requestTimeoutMs).toBe(100);
    expect(third.customHost).toBe("https://other.example.com/v1");
    expect(third.options).toEqual({ apiVersion: "2024" });
    expect(plan.customHosts).toEqual(["https://llm.example.com/v1", "https://other.example.com/v1"]);
    const root = plan.root as StrategyNode;
    expect([...(root.onStatusCodes ?? [])]).toEqual([429, 503]);
    const inner = root.children[1] as StrategyNode;
    expect([...inner.cumulativeWeights]).toEqual([3, 4]);
  });

  it("treats a config without provider or targets as the header-named target with the config's settings", () => {
    const plan = compileConfig({ retry: { attempts: 2 }, override_params: { model: "m" } });
    const leaf = plan.root as LeafNode;
    expect(leaf.fromHeaders).toBe(true);
    expect(leaf.path).toBe("config");
    expect(leaf.retry.attempts).toBe(2);
  });

  it("accepts Portkey keys (guardrails, strict mode) without passing them to providers", () => {
    const hook = { id: "h", type: "guardrail", checks: [{ id: "default.wordCount", parameters: { maxWords: 50 } }] };
    const plan = compileConfig({
      provider: "openai",
      api_key: "sk",
      input_guardrails: [{ "default.contains": { words: ["secret"], operator: "none" }, deny: true }],
      strict_open_ai_compliance: false,
      after_request_hooks: [hook],
    });
    const leaf = plan.root as LeafNode;
    expect(leaf.options).toEqual({});
    expect(leaf.afterRequestHooks).toEqual([hook]);
  });
});
