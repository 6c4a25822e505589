import { beforeAll, describe, expect, it } from "vitest";
import { loadEngines } from "../../shared/core/lazy-engine";
import { REGEX_WORK_LIMIT } from "../../shared/core/linear-regex";
import { compileQuery, type RouteContext } from "../../shared/routing/conditions";

// The regex and JSON Schema engines load on first use (ADR 0041); these tests compile synchronously.
beforeAll(loadEngines);

const ctx: RouteContext = {
  metadata: { tier: "pro", region: "eu-west-1", score: "42" },
  params: { model: "gpt-4o-mini", max_tokens: 300, user: { org: "acme" } },
};

describe("conditional routing queries", () => {
  it.each([
    [{ "metadata.tier": "pro" }, true],
    [{ "metadata.tier": { $eq: "free" } }, false],
    [{ "metadata.tier": { $ne: "free" } }, true],
    [{ "params.max_tokens": { $gt: 299 } }, true],
    [{ "params.max_tokens": { $gte: 300, $lte: 300 } }, true],
    [{ "params.max_tokens": { $lt: 300 } }, false],
    [{ "metadata.score": { $gt: 40 } }, true],
    [{ "metadata.tier": { $in: ["pro", "enterprise"] } }, true],
    [{ "metadata.tier": { $nin: ["pro"] } }, false],
    [{ "params.model": { $regex: "^gpt-4o" } }, true],
    [{ "params.missing": { $regex: "." } }, false],
    [{ "params.user.org": "acme" }, true],
    [{ $or: [{ "metadata.tier": "free" }, { "metadata.region": { $regex: "^eu-" } }] }, true],
    [{ $and: [{ "metadata.tier": "pro" }, { "params.model": "gpt-4o" }] }, false],
    [{ "metadata.tier": "pro", $or: [{ "params.model": "x" }] }, false],
  ])("%j -> %s", (query, expected) => {
    // Act
    const predicate = compileQuery(query, "config.strategy.conditions[0].query");

    // Assess
    expect(predicate(ctx)).toBe(expected);
  });

  it("$regex runs in linear time and never matches a value beyond the pattern's input bound", () => {
    // Prepare
    const evil = compileQuery({ "params.prompt": { $regex: "^(a+)+$" } }, "q");
    const word = compileQuery({ "params.prompt": { $regex: "needle" } }, "q");
    const at = (prompt: string): RouteContext => ({ metadata: {}, params: { prompt } });

    // Act
    const started = performance.now();
    const evilResult = evil(at(`${"a".repeat(5_000)}!`));
    const elapsed = performance.now() - started;

    // Assess
    expect(evilResult).toBe(false);
    expect(elapsed).toBeLessThan(100);
    expect(word(at("a needle in a haystack"))).toBe(true);
    expect(word(at(`${"hay ".repeat(REGEX_WORK_LIMIT / 4)}needle`))).toBe(false);
  });

  it("rejects an invalid regular expression when the config is compiled, not per request", () => {
    expect(() => compileQuery({ "params.model": { $regex: "([" } }, "q")).toThrow(
      /q.params.model.\$regex: not a valid regular expression/,
    );
  });
});
