import { describe, expect, it } from "vitest";
import { GatewayError } from "../../shared/core/errors";
import { EngineNotLoadedError, lazyEngine, withEngines } from "../../shared/core/lazy-engine";
import { PlanResolver } from "../../shared/routing/plan-resolver";

/**
 * The guardrails' regex and JSON Schema engines load with the first config that needs them, not at cold start
 * (ADR 0041). This file never loads them up front: each test sees what the first request of a process sees.
 */
const REGEX_CONFIG = {
  strategy: {
    mode: "conditional",
    // biome-ignore lint/suspicious/noThenProperty: Portkey's config key
    conditions: [{ query: { "metadata.tier": { $regex: "^pro" } }, then: "pro" }],
    default: "free",
  },
  targets: [
    { name: "pro", provider: "openai" },
    { name: "free", provider: "groq" },
  ],
};

const SCHEMA_HOOK_CONFIG = {
  provider: "openai",
  after_request_hooks: [
    {
      id: "json-answer",
      type: "guardrail",
      checks: [
        {
          id: "default.jsonSchema",
          parameters: { schema: { type: "object", properties: { id: { type: "string", pattern: "^a+$" } } } },
        },
      ],
    },
  ],
};

describe("engines loaded on first use", () => {
  it("still answers an invalid pattern with a 400 naming the parameter, on the first use of the engine", async () => {
    // Prepare
    const resolver = new PlanResolver({ capacity: 8 });
    const bad = JSON.parse(JSON.stringify(REGEX_CONFIG).replace("^pro", "(")) as unknown;

    // Act
    const failure = await resolver.resolve(JSON.stringify(bad), "ws-1").then(
      () => undefined,
      (err: unknown) => err,
    );

    // Assess
    expect(failure).toBeInstanceOf(GatewayError);
    expect((failure as GatewayError).statusCode).toBe(400);
    expect((failure as GatewayError).message).toMatch(/\$regex: not a valid regular expression/);
  });

  it("compiles configs with a $regex and a JSON Schema guardrail, loading the engine each needs", async () => {
    // Prepare
    const resolver = new PlanResolver({ capacity: 8 });

    // Act: the first configs this process compiles
    const [regexPlan, schemaPlan] = await Promise.all([
      resolver.resolve(JSON.stringify(REGEX_CONFIG), "ws-1"),
      resolver.resolve(JSON.stringify(SCHEMA_HOOK_CONFIG), "ws-1"),
    ]);

    // Assess
    expect(regexPlan).toBeDefined();
    expect(schemaPlan).toBeDefined();
  });

  it("asks for the engine before it is loaded, and shares one import between concurrent loads", async () => {
    // Prepare
    let imports = 0;
    const engine = lazyEngine("test", async () => {
      imports++;
      return { answer: 42 };
    });

    // Act
    const before = (() => {
      try {
        return engine.get();
      } catch (err) {
        return err;
      }
    })();
    const [a, b] = await Promise.all([withEngines(() => engine.get().answer), withEngines(() => engine.get().answer)]);

    // Assess
    expect(before).toBeInstanceOf(EngineNotLoadedError);
    expect([a, b]).toEqual([42, 42]);
    expect(imports).toBe(1);
  });

  it("lets a failed import fail the compile, and tries the import again on the next one", async () => {
    // Prepare
    let attempts = 0;
    const engine = lazyEngine("flaky", async () => {
      attempts++;
      if (attempts === 1) throw new Error("chunk not readable");
      return "loaded";
    });

    // Act
    const first = await withEngines(() => engine.get()).catch((err: Error) => err.message);
    const second = await withEngines(() => engine.get());

    // Assess
    expect(first).toBe("chunk not readable");
    expect(second).toBe("loaded");
  });
});
