import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Arena, CHAT, fakeTarget, KEYED_UPSTREAM, startArena } from "./arena";

/**
 * ReDoS: an attacker with a completions key writes the regular expressions (an inline `x-portkey-config`) and the
 * text they run over. `^(a+)+$` against "aaa...a!" takes exponential time on a backtracking engine (30 `a`s held
 * the process for seconds, doubling per character); on the gateway's linear-time engine it takes microseconds,
 * and a second client's request is not delayed.
 */
const EVIL = "^(a+)+$";
const EVIL_TEXT = `${"a".repeat(30)}!`;
/** A victim's request must finish in this time while the attack runs (a blocked event loop takes seconds). */
const VICTIM_BUDGET_MS = 1_000;

let bench: Arena;

beforeAll(async () => {
  bench = await startArena(KEYED_UPSTREAM);
});
afterAll(async () => {
  await bench.stop();
});

/** A conditional config over one query, with one target (the fake) as both branch and default. */
function conditional(query: Record<string, unknown>): Record<string, unknown> {
  // biome-ignore lint/suspicious/noThenProperty: Portkey's config key
  const condition = { query, then: "a" };
  return {
    strategy: { mode: "conditional", conditions: [condition], default: "a" },
    targets: [{ name: "a", ...fakeTarget(bench) }],
  };
}

/** Sends the attack and, at once, a victim's plain request; returns both. */
async function attackWithVictim(config: Record<string, unknown>, attackBody: unknown, headers = {}) {
  const attack = bench.post("/v1/chat/completions", attackBody, {
    "x-portkey-config": JSON.stringify(config),
    ...headers,
  });
  const victim = bench.post("/v1/chat/completions", CHAT, { "x-portkey-config": JSON.stringify(fakeTarget(bench)) });
  return { attack: await attack, victim: await victim };
}

describe("regular expressions in configs run in linear time", () => {
  it("conditional routing: $regex over a metadata value", async () => {
    // Prepare
    const config = conditional({ "metadata.x": { $regex: EVIL } });

    // Act
    const { attack, victim } = await attackWithVictim(config, CHAT, {
      "x-portkey-metadata": JSON.stringify({ x: EVIL_TEXT }),
    });

    // Assess
    expect(attack.status).toBe(200);
    expect(victim.status).toBe(200);
    expect(victim.ms).toBeLessThan(VICTIM_BUDGET_MS);
    expect(attack.ms).toBeLessThan(VICTIM_BUDGET_MS);
  });

  it("guardrail default.regexMatch over the last message", async () => {
    // Prepare
    const config = {
      ...fakeTarget(bench),
      before_request_hooks: [
        {
          id: "evil",
          type: "guardrail",
          deny: true,
          checks: [{ id: "default.regexMatch", parameters: { rule: EVIL } }],
        },
      ],
    };

    // Act
    const { attack, victim } = await attackWithVictim(config, {
      ...CHAT,
      messages: [{ role: "user", content: EVIL_TEXT }],
    });

    // Assess
    expect(attack.status).toBe(446);
    expect(victim.status).toBe(200);
    expect(victim.ms).toBeLessThan(VICTIM_BUDGET_MS);
  });

  it("guardrail default.jsonSchema with a `pattern`", async () => {
    // Prepare
    const schema = { type: "object", properties: { name: { type: "string", pattern: EVIL } } };
    const config = {
      ...fakeTarget(bench),
      before_request_hooks: [
        { id: "evil", type: "guardrail", deny: true, checks: [{ id: "default.jsonSchema", parameters: { schema } }] },
      ],
    };

    // Act
    const { attack, victim } = await attackWithVictim(config, {
      ...CHAT,
      messages: [{ role: "user", content: JSON.stringify({ name: EVIL_TEXT }) }],
    });

    // Assess
    expect(attack.status).toBe(446);
    expect(victim.status).toBe(200);
    expect(victim.ms).toBeLessThan(VICTIM_BUDGET_MS);
  });

  it("guardrail default.validUrls over a URL of 20,000 parentheses (no quadratic trimming)", async () => {
    // Prepare
    const config = {
      ...fakeTarget(bench),
      before_request_hooks: [
        { id: "urls", type: "guardrail", deny: false, checks: [{ id: "default.validUrls", parameters: {} }] },
      ],
    };
    const text = `see https://example.com/${")".repeat(20_000)} and https://x.io/${".".repeat(20_000)}z`;

    // Act
    const { attack, victim } = await attackWithVictim(config, { ...CHAT, messages: [{ role: "user", content: text }] });

    // Assess
    expect(attack.status).toBe(200);
    expect(victim.ms).toBeLessThan(VICTIM_BUDGET_MS);
  });

  it("guardrail default.containsCode over an unterminated fence line", async () => {
    // Prepare
    const config = {
      ...fakeTarget(bench),
      before_request_hooks: [
        {
          id: "code",
          type: "guardrail",
          deny: false,
          checks: [{ id: "default.containsCode", parameters: { format: "Python" } }],
        },
      ],
    };
    const text = `\`\`\`${"a".repeat(80_000)}`;

    // Act
    const { attack, victim } = await attackWithVictim(config, { ...CHAT, messages: [{ role: "user", content: text }] });

    // Assess
    expect(attack.status).toBe(246);
    expect(victim.ms).toBeLessThan(VICTIM_BUDGET_MS);
  });
});

describe("patterns the linear-time engine cannot run are refused when the config is sent or saved", () => {
  it.each([
    ["a backreference", "(a)\\1", "a backreference"],
    ["a named backreference", "(?<x>a)\\k<x>", "a backreference"],
    ["a lookahead", "a(?=b)", "a lookahead"],
    ["a lookbehind", "(?<!a)b", "a lookbehind"],
  ])("inline: %s is a 400 naming the parameter", async (_name, pattern, construct) => {
    // Prepare
    const config = conditional({ "params.model": { $regex: pattern } });

    // Act
    const res = await bench.post("/v1/chat/completions", CHAT, { "x-portkey-config": JSON.stringify(config) });

    // Assess
    expect(res.status).toBe(400);
    const error = res.body.error as Record<string, unknown>;
    expect(error.type).toBe("invalid_request_error");
    expect(error.param).toBe("config.strategy.conditions[0].query.params.model.$regex");
    expect(String(error.message)).toContain(construct);
  });

  it("saved: a guardrail with a lookahead is refused by POST /v1/configs with a 400 naming the parameter", async () => {
    // Prepare
    const config = {
      ...fakeTarget(bench),
      before_request_hooks: [
        {
          id: "h",
          type: "guardrail",
          checks: [{ id: "default.regexMatch", parameters: { rule: "^(?=.*secret).*$" } }],
        },
      ],
    };

    // Act
    const res = await bench.gateway.admin("POST", "/v1/configs", {
      name: "lookahead",
      workspace_id: bench.gateway.workspaceId,
      config,
    });

    // Assess
    expect(res.status).toBe(400);
    const error = res.json.error as Record<string, unknown>;
    expect(error.param).toBe("config.before_request_hooks[0].checks[0].parameters.rule");
    expect(String(error.message)).toContain("a lookahead");
  });
});
