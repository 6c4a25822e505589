import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileConfig } from "../../shared/routing/compile";
import { InvalidConfigError } from "../../shared/routing/config-schema";

/** Whatever a client sends as a config, the answer is a plan or a 400 `invalid_config`: never a crash (500). */
describe("config compiler fuzz", () => {
  const leaf = fc.record(
    {
      provider: fc.oneof(fc.constant("openai"), fc.string()),
      api_key: fc.string(),
      weight: fc.oneof(fc.double({ noNaN: false }), fc.integer(), fc.string()),
      name: fc.constantFrom("a", "b", "c"),
      retry: fc.record({ attempts: fc.integer({ min: -2, max: 8 }) }, { requiredKeys: [] }),
      request_timeout: fc.oneof(fc.integer(), fc.string()),
      override_params: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.string()),
    },
    { requiredKeys: [] },
  );
  const node = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: "small" },
      leaf,
      fc.record(
        {
          strategy: fc.record(
            {
              mode: fc.constantFrom("single", "fallback", "loadbalance", "conditional", "bogus"),
              on_status_codes: fc.array(fc.oneof(fc.integer(), fc.string())),
              conditions: fc.array(
                fc.record({
                  query: fc.oneof(fc.jsonValue(), fc.dictionary(fc.string(), fc.jsonValue())),
                  // biome-ignore lint/suspicious/noThenProperty: Portkey's config key
                  then: fc.constantFrom("a", "b", "x"),
                }),
              ),
              default: fc.constantFrom("a", "b", "z"),
            },
            { requiredKeys: ["mode"] },
          ),
          targets: fc.array(tie("node"), { maxLength: 4 }),
        },
        { requiredKeys: [] },
      ),
    ),
  })).node;

  it("compiles or rejects with InvalidConfigError", () => {
    fc.assert(
      fc.property(fc.oneof(node, fc.jsonValue()), (raw) => {
        try {
          const plan = compileConfig(raw);
          expect(plan.root).toBeDefined();
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidConfigError);
          expect((err as InvalidConfigError).message).toMatch(/^Invalid config: (config|x-portkey)/);
        }
      }),
      { numRuns: 500 },
    );
  });

  // Found by the fuzz above: a key named like an Object.prototype member was taken for a provider option.
  it.each(["valueOf", "toString", "constructor", "hasOwnProperty", "__proto__"])(
    "a target key named %s is a plain setting, not a crash",
    (key) => {
      // Prepare
      const raw = JSON.parse(`{"provider":"openai","api_key":"k","${key}":{}}`) as unknown;

      // Act
      const plan = compileConfig(raw);

      // Assess
      expect(plan.root).toBeDefined();
    },
  );
});
