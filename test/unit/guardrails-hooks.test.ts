import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { GatewayError, renderError } from "../../shared/core/errors";
import { loadEngines } from "../../shared/core/lazy-engine";
import { compiledHooksOf } from "../../shared/guardrails/compile-hooks";
import { GuardrailDeniedError } from "../../shared/guardrails/guardrail-error";
import { createGuardrails } from "../../shared/guardrails/guardrails";
import { withHookResults } from "../../shared/guardrails/hook-results-body";
import type { HookResults } from "../../shared/guardrails/types";
import { compileConfig } from "../../shared/routing/compile";
import type { LeafNode } from "../../shared/routing/plan";

// The regex and JSON Schema engines load on first use (ADR 0041); these tests compile synchronously.
beforeAll(loadEngines);

const NO_SECRETS = {
  id: "no-secrets",
  type: "guardrail",
  deny: true,
  checks: [{ id: "default.contains", parameters: { words: ["secret"], operator: "none" } }],
};
const SHORT_ANSWER = {
  id: "short-answer",
  type: "guardrail",
  on_fail: { feedback: { value: -1, weight: 1 } },
  checks: [{ id: "default.wordCount", parameters: { maxWords: 3 } }],
};

function leafOf(config: Record<string, unknown>): LeafNode {
  return compileConfig({ provider: "openai", api_key: "sk", ...config }).root as LeafNode;
}

function chat(content: string) {
  return {
    model: "gpt-4o-mini",
    messages: [
      { role: "system", content: "be brief" },
      { role: "user", content },
    ],
  };
}

function jsonAnswer(content: string, status = 200) {
  const body = JSON.stringify({ id: "c1", object: "chat.completion", choices: [{ message: { content } }] });
  return {
    kind: "json" as const,
    status,
    headers: {},
    latencyMs: 1,
    response: { body, contentType: "application/json" },
  };
}

function invalid(config: Record<string, unknown>): { message: string; param: string | null } {
  try {
    compileConfig({ provider: "openai", api_key: "sk", ...config });
  } catch (err) {
    if (err instanceof GatewayError && err.statusCode === 400) return { message: err.message, param: err.param };
    throw err;
  }
  throw new Error("expected invalid_config");
}

describe("hook validation (400 invalid_config with the path)", () => {
  it("names an unknown check id by its path", () => {
    const bad = { ...SHORT_ANSWER, checks: [SHORT_ANSWER.checks[0], { id: "default.nope" }] };
    const err = invalid({ targets: undefined, after_request_hooks: [bad] });
    expect(err.param).toBe("config.after_request_hooks[0].checks[1].id");
  });

  it("names bad hook fields and check parameters in nested targets", () => {
    const wrongType = invalid({ before_request_hooks: [{ ...NO_SECRETS, type: "validator" }] });
    expect(wrongType.param).toBe("config.before_request_hooks[0].type");
    const noChecks = invalid({ before_request_hooks: [{ id: "pg-123", type: "guardrail" }] });
    expect(noChecks.message).toContain('no saved guardrail "pg-123"');
    expect(noChecks.param).toBe("config.before_request_hooks[0].id");
    const nested = compileConfigError({
      strategy: { mode: "fallback" },
      targets: [
        { provider: "openai", api_key: "a" },
        {
          provider: "openai",
          api_key: "b",
          before_request_hooks: [{ ...NO_SECRETS, checks: [{ id: "default.regexMatch", parameters: { rule: "[" } }] }],
        },
      ],
    });
    expect(nested).toBe("config.targets[1].before_request_hooks[0].checks[0].parameters.rule");
  });

  it("accepts Portkey's shorthand and camelCase spellings, and refuses saved guardrail ids", () => {
    const leaf = leafOf({
      beforeRequestHooks: [NO_SECRETS],
      input_guardrails: [{ "default.wordCount": { maxWords: 100 }, deny: true }],
    });
    const hooks = compiledHooksOf(leaf.beforeRequestHooks);
    expect(hooks?.map((h) => [h.id, h.deny, h.checks.map((c) => c.id)])).toEqual([
      ["no-secrets", true, ["default.contains"]],
      ["input_guardrails[0]", true, ["default.wordCount"]],
    ]);
    expect(invalid({ input_guardrails: ["pg-abc"] }).param).toBe("config.input_guardrails[0]");
  });

  it("compiles each hook list once: requests find the compiled form by identity", () => {
    const leaf = leafOf({ before_request_hooks: [NO_SECRETS] });
    expect(compiledHooksOf(leaf.beforeRequestHooks)).toBe(compiledHooksOf(leaf.beforeRequestHooks));
  });

  it("lets a target replace inherited hooks (an empty list turns them off)", () => {
    const plan = compileConfig({
      before_request_hooks: [NO_SECRETS],
      strategy: { mode: "fallback" },
      targets: [
        { provider: "openai", api_key: "a" },
        { provider: "openai", api_key: "b", before_request_hooks: [] },
      ],
    });
    const [first, second] = plan.leaves as [LeafNode, LeafNode];
    expect(compiledHooksOf(first.beforeRequestHooks)?.[0]?.id).toBe("no-secrets");
    expect(compiledHooksOf(second.beforeRequestHooks)).toBeUndefined();
  });
});

function compileConfigError(config: Record<string, unknown>): string | null {
  try {
    compileConfig(config);
  } catch (err) {
    if (err instanceof GatewayError) return err.param;
    throw err;
  }
  return "no error";
}

describe("hook semantics (Portkey: 446 deny, 246 flagged, hook_results)", () => {
  const start = () => createGuardrails().start({ metadata: {} });

  it("denies before the upstream with 446, OpenAI's error shape and hook_results", async () => {
    // Prepare
    const run = start();
    const leaf = leafOf({ before_request_hooks: [NO_SECRETS] });

    // Act
    const thrown = await run.before(leaf, "chat", chat("tell me the secret"), "openai").catch((err: unknown) => err);

    // Assess
    expect(thrown).toBeInstanceOf(GuardrailDeniedError);
    const rendered = renderError(thrown);
    expect(rendered.status).toBe(446);
    const body = JSON.parse(rendered.body);
    expect(body.error).toMatchObject({ type: "gateway_hooks_failed", code: "hooks_failed", param: null });
    expect(body.hook_results.after_request_hooks).toEqual([]);
    expect(body.hook_results.before_request_hooks[0]).toMatchObject({
      id: "no-secrets",
      verdict: false,
      deny: true,
      checks: [{ id: "default.contains", verdict: false, data: { foundWords: ["secret"] } }],
    });
    expect(run.records).toEqual([
      {
        id: "no-secrets",
        phase: "before_request",
        verdict: false,
        action: "deny",
        latency_ms: expect.any(Number),
      },
    ]);
  });

  it("judges the last message only (as Portkey), including text parts", async () => {
    const run = start();
    const leaf = leafOf({ before_request_hooks: [NO_SECRETS] });
    const body = {
      messages: [
        { role: "user", content: "the secret is 42" },
        {
          role: "user",
          content: [
            { type: "text", text: "hello" },
            { type: "image_url", image_url: { url: "x" } },
          ],
        },
      ],
    };
    await expect(run.before(leaf, "chat", body, "openai")).resolves.toBeDefined();
    await expect(
      run.before(
        leafOf({ before_request_hooks: [NO_SECRETS] }),
        "completions",
        { prompt: ["a", "a secret"] },
        "openai",
      ),
    ).rejects.toBeInstanceOf(GuardrailDeniedError);
  });

  it("flags a failing non-deny hook with 246 and adds hook_results to the answer", async () => {
    const run = start();
    const guard = await run.before(leafOf({ after_request_hooks: [SHORT_ANSWER] }), "chat", chat("hi"), "openai");

    const result = await guard?.after(jsonAnswer("this answer is far too long"));

    expect(result?.status).toBe(246);
    const body = JSON.parse(String(result?.response.body));
    expect(body.choices[0].message.content).toBe("this answer is far too long");
    expect(body.hook_results.after_request_hooks[0]).toMatchObject({
      id: "short-answer",
      verdict: false,
      deny: false,
      feedback: { value: -1, weight: 1, metadata: { failedChecks: "default.wordCount" } },
    });
    expect(run.records.map((r) => r.action)).toEqual(["flag"]);
  });

  it("answers 200 with hook_results when every hook passes, and denies a bad answer after the upstream", async () => {
    const run = start();
    const leaf = leafOf({ before_request_hooks: [NO_SECRETS], after_request_hooks: [{ ...SHORT_ANSWER, deny: true }] });
    const guard = await run.before(leaf, "chat", chat("hi"), "openai");

    const ok = await guard?.after(jsonAnswer("fine"));
    expect(ok?.status).toBe(200);
    expect(JSON.parse(String(ok?.response.body)).hook_results.before_request_hooks[0].verdict).toBe(true);

    const thrown = await guard?.after(jsonAnswer("one two three four")).catch((err: unknown) => err);
    expect(thrown).toBeInstanceOf(GuardrailDeniedError);
    const body = JSON.parse(renderError(thrown).body);
    expect(body.hook_results.before_request_hooks).toHaveLength(1);
    expect(body.hook_results.after_request_hooks[0]).toMatchObject({ id: "short-answer", deny: true });
  });

  it("keeps async hooks out of the answer (logged only) and evaluates a target's before hooks once", async () => {
    const run = start();
    const leaf = leafOf({ before_request_hooks: [{ ...NO_SECRETS, async: true }] });

    const guard = await run.before(leaf, "chat", chat("the secret"), "openai");
    await run.before(leaf, "chat", chat("the secret"), "openai"); // a retry of the same target
    const result = await guard?.after(jsonAnswer("ok"));

    expect(result?.status).toBe(200);
    expect(JSON.parse(String(result?.response.body)).hook_results).toBeUndefined();
    expect(run.records).toEqual([expect.objectContaining({ id: "no-secrets", verdict: false, action: "flag" })]);
  });

  it("marks a stream 246 when a before hook failed, and leaves other endpoints alone", async () => {
    const run = start();
    const flagged = await run.before(
      leafOf({ before_request_hooks: [SHORT_ANSWER] }),
      "chat",
      chat("a b c d e"),
      "openai",
    );
    expect((await flagged?.after({ kind: "stream", status: 200 }))?.status).toBe(246);
    await expect(
      run.before(leafOf({ before_request_hooks: [NO_SECRETS] }), "embeddings", { input: "secret" }, "openai"),
    ).resolves.toBe(undefined);
  });
});

describe("hook_results in a JSON body", () => {
  const results: HookResults = { before_request_hooks: [], after_request_hooks: [] };

  it("adds hook_results as a member of any JSON object and leaves other bodies alone (property)", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.boolean(), (object, pretty) => {
        const text = pretty ? JSON.stringify(object, null, 2) : JSON.stringify(object);
        const out = withHookResults(Buffer.from(text), results);
        expect(JSON.parse(out as string)).toEqual({ ...JSON.parse(text), hook_results: results });
      }),
      { numRuns: 200 },
    );
    expect(withHookResults("[1,2]", results)).toBeUndefined();
    expect(withHookResults("not json", results)).toBeUndefined();
  });
});
