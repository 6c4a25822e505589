import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ENDPOINT_ROWS } from "../../shared/core/endpoints";
import { PriceUnknownError } from "../../shared/limits/budget-errors";
import type { LimitedOwner } from "../../shared/limits/limit-types";
import {
  costMicrosOf,
  DEFAULT_COMPLETION_CAP,
  estimateRequest,
  type PriceFor,
  REPLY_PRIMING_TOKENS,
  TOOLS_PREAMBLE_TOKENS,
  upperBoundCharge,
} from "../../shared/limits/pricing";
import { memoryLimits } from "../support/memory-limits";

const prices: PriceFor = (provider, model) =>
  provider === "openai" && model === "gpt-4o-mini"
    ? { inputPerMTok: 0.15, outputPerMTok: 0.6, cachedInputPerMTok: 0.075 }
    : provider === "openai" && model === "gpt-4o"
      ? { inputPerMTok: 2.5, outputPerMTok: 10 }
      : undefined;

function setup() {
  return memoryLimits(() => Date.UTC(2026, 10, 15, 12), prices);
}

const key: LimitedOwner = {
  workspaceId: "ws1",
  kind: "api_key",
  id: "k1",
  usageLimits: [{ type: "cost", credit_limit: 1, periodic_reset: "monthly" }],
  rateLimits: [{ type: "requests", unit: "rpm", value: 100 }],
};
const body = { model: "gpt-4o-mini", messages: [{ role: "user", content: "Hello there" }], max_tokens: 100 };

describe("pricing and estimates", () => {
  it("prices in whole micro-dollars, rounding up once per request, with cached tokens at their own price", () => {
    // Prepare
    const price = { inputPerMTok: 0.15, outputPerMTok: 0.6, cachedInputPerMTok: 0.075 };
    // Act
    const cost = costMicrosOf(
      { prompt_tokens: 1000, completion_tokens: 10, total_tokens: 1010, cached_tokens: 400 },
      price,
    );
    // Assess: 600 x 0.15 + 400 x 0.075 + 10 x 0.6 = 90 + 30 + 6 = 126 micro-dollars exactly
    expect(cost).toBe(126);
    expect(costMicrosOf({ prompt_tokens: 1, completion_tokens: 0, total_tokens: 1 }, price)).toBe(1);
  });

  it("reserves max_tokens x n, or the documented cap when the request names no max", () => {
    // Prepare / Act
    const named = estimateRequest("chat", { ...body, n: 2 }, DEFAULT_COMPLETION_CAP);
    const unnamed = estimateRequest("chat", { messages: body.messages }, DEFAULT_COMPLETION_CAP);
    // Assess
    expect(named).toMatchObject({ completionTokens: 200, completionCapped: false });
    expect(unnamed).toMatchObject({ completionTokens: DEFAULT_COMPLETION_CAP, completionCapped: true });
    expect(named.promptTokens).toBeGreaterThanOrEqual(Math.ceil("Hello there".length / 4));
  });
});

/** OpenAI's documented prompt count (3 per message, 1 per name, 3 to prime the reply) with a tokenizer that spends
 * one token per UTF-8 byte: the most a byte-level tokenizer can report for these messages. */
function worstCasePromptTokens(messages: readonly { role: string; content: string; name?: string }[]): number {
  let tokens = REPLY_PRIMING_TOKENS;
  for (const m of messages) {
    tokens += 3 + Buffer.byteLength(m.role) + Buffer.byteLength(m.content);
    if (m.name !== undefined) tokens += 1 + Buffer.byteLength(m.name);
  }
  return tokens;
}

describe("a request without a body reserves nothing", () => {
  it.each(
    ENDPOINT_ROWS.filter((row) => row.body === "none").map((row) => ({ row, path: `${row.method} ${row.path}` })),
  )(
    "$path: no tokens reserved (a spent budget does not refuse reading the model list, a response or a file)",
    ({ row }) => {
      // Act
      const estimate = estimateRequest(row.endpoint, {}, DEFAULT_COMPLETION_CAP);
      // Assess
      expect(estimate.promptTokens + estimate.completionTokens).toBe(0);
    },
  );
});

describe("the estimate is an upper bound of what a provider reports (ADR 0026)", () => {
  it("is at least one token per UTF-8 byte plus OpenAI's per-message and priming tokens, for any text", () => {
    const message = fc.record(
      {
        role: fc.constantFrom("system", "developer", "user", "assistant", "tool"),
        content: fc.string({ unit: "binary", maxLength: 300 }),
        name: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 20 }),
      },
      { requiredKeys: ["role", "content"] },
    );
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 8 }), (messages) => {
        const estimate = estimateRequest("chat", { messages, max_tokens: 1 }, DEFAULT_COMPLETION_CAP);
        expect(estimate.promptTokens).toBeGreaterThanOrEqual(worstCasePromptTokens(messages));
      }),
      { numRuns: 60 },
    );
  });

  it("counts the text tokenizers spend most on (rare unicode, digit runs) byte for byte", () => {
    // Prepare: 4-byte characters, and digits a tokenizer may split one by one
    const messages = [{ role: "user", content: `${"𝔘".repeat(100)} ${"7".repeat(200)}` }];
    // Act
    const estimate = estimateRequest("chat", { messages }, DEFAULT_COMPLETION_CAP);
    // Assess: bytes/3 (the old rule) would have said ~200
    expect(estimate.promptTokens).toBeGreaterThanOrEqual(601 + 3 + 4 + REPLY_PRIMING_TOKENS);
  });

  it("counts tool definitions, their preamble and a response schema as prompt", () => {
    // Prepare
    const tools = [
      {
        type: "function",
        function: { name: "weather", parameters: { type: "object", properties: { city: { type: "string" } } } },
      },
    ];
    const schema = { type: "json_schema", json_schema: { name: "out", schema: { type: "object" } } };
    // Act
    const plain = estimateRequest("chat", body, DEFAULT_COMPLETION_CAP).promptTokens;
    const withTools = estimateRequest("chat", { ...body, tools }, DEFAULT_COMPLETION_CAP).promptTokens;
    const withSchema = estimateRequest(
      "chat",
      { ...body, response_format: schema },
      DEFAULT_COMPLETION_CAP,
    ).promptTokens;
    // Assess
    expect(withTools - plain).toBeGreaterThan(TOOLS_PREAMBLE_TOKENS + JSON.stringify(tools).length / 2);
    expect(withSchema - plain).toBeGreaterThan(JSON.stringify(schema).length / 2);
  });

  it("reserves the largest completion cap the body names, whichever field a provider reads", () => {
    const both = estimateRequest("chat", { ...body, max_completion_tokens: 10, max_tokens: 900 }, 4096);
    expect(both).toMatchObject({ completionTokens: 900, completionCapped: false });
  });

  it("reserves every completion a legacy completions call generates: best_of candidates, each prompt of a batch", () => {
    const single = estimateRequest("completions", { prompt: "a", max_tokens: 10, n: 2, best_of: 5 }, 4096);
    const batch = estimateRequest("completions", { prompt: ["a", "b", "c"], max_tokens: 10 }, 4096);
    const tokenIds = estimateRequest("completions", { prompt: [1, 2, 3], max_tokens: 10 }, 4096);
    expect([single.completionTokens, batch.completionTokens, tokenIds.completionTokens]).toEqual([50, 30, 10]);
  });

  it("reads a reranker's query once with every document", () => {
    const documents = Array.from({ length: 10 }, () => "doc");
    const short = estimateRequest("rerank", { query: "q", documents }, 4096).promptTokens;
    const long = estimateRequest("rerank", { query: "q".repeat(1001), documents }, 4096).promptTokens;
    expect(long - short).toBeGreaterThanOrEqual(1000 * 10);
  });

  it("prices the prompt at the highest prompt rate a provider may bill it at (cache writes)", () => {
    // Prepare: an Anthropic-style price whose cache writes cost 1.25x the input
    const price = { inputPerMTok: 3, outputPerMTok: 15, cacheWriteInputPerMTok: 3.75 };
    const estimate = { promptTokens: 1_000_000, completionTokens: 0, completionCapped: false };
    // Act
    const bound = upperBoundCharge(estimate, [{ provider: "anthropic", model: "c" }], () => price, true);
    const billed = costMicrosOf(
      { prompt_tokens: 1_000_000, completion_tokens: 0, total_tokens: 1_000_000, cache_creation_tokens: 1_000_000 },
      price,
    );
    // Assess
    expect(bound.costMicros).toBeGreaterThanOrEqual(billed);
  });

  it("reserves for a target whose override_params raise max_tokens or add messages", async () => {
    // Prepare
    const { limits } = setup();
    const gate = await limits.checkRateLimits([key]);
    const longSystem = { role: "system", content: "x".repeat(5_000) };
    // Act
    const admission = await limits.reserve(gate, {
      requestId: "req-overrides",
      endpoint: "chat",
      body,
      overrides: [{ max_tokens: 2_000 }, { messages: [longSystem, ...body.messages] }],
      candidates: [{ provider: "openai", model: "gpt-4o-mini" }],
    });
    // Assess
    expect(admission.estimate.completionTokens).toBe(2_000);
    expect(admission.estimate.promptTokens).toBeGreaterThan(5_000);
  });
});

describe("request limits (what the gateway core calls)", () => {
  it("reserves the most expensive candidate and settles each attempt at the model that answered", async () => {
    // Prepare
    const { limits, ledger } = setup();
    const gate = await limits.checkRateLimits([key]);
    // Act
    const admission = await limits.reserve(gate, {
      requestId: "req-1",
      endpoint: "chat",
      body,
      candidates: [
        { provider: "openai", model: "gpt-4o-mini" },
        { provider: "openai", model: "gpt-4o" },
      ],
    });
    const outcome = await admission.settle([
      {
        provider: "openai",
        model: "gpt-4o-mini",
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      },
    ]);
    const repeated = await admission.settle([]);
    // Assess
    expect(gate.headers["x-ratelimit-remaining-requests"]).toBe("99");
    expect(outcome.reserved.costMicros).toBeGreaterThan(1000); // priced at gpt-4o: 100 output tokens x $10/MTok
    expect(outcome.settled).toEqual({ costMicros: 5, tokens: 15 }); // 10 x 0.15 + 5 x 0.6 = 4.5 -> 5
    expect(repeated).toBe(outcome);
    expect(await ledger.current({ ...key, limit: key.usageLimits![0]! })).toMatchObject({
      spent: 0.000005,
      reserved: 0,
    });
  });

  it("refuses a cost-limited request to a model without a price before any upstream call", async () => {
    // Prepare
    const { limits } = setup();
    const gate = await limits.checkRateLimits([key]);
    // Act
    const refusal = limits.reserve(gate, {
      requestId: "req-2",
      endpoint: "chat",
      body,
      candidates: [{ provider: "acme", model: "mystery-1" }],
    });
    // Assess
    await expect(refusal).rejects.toBeInstanceOf(PriceUnknownError);
    await expect(refusal).rejects.toMatchObject({ statusCode: 412, code: "budget_price_unknown" });
  });

  it("charges the reserved upper bound for an attempt whose usage is unknown", async () => {
    // Prepare
    const { limits } = setup();
    const gate = await limits.checkRateLimits([key]);
    const admission = await limits.reserve(gate, {
      requestId: "req-3",
      endpoint: "chat",
      body,
      candidates: [{ provider: "openai", model: "gpt-4o-mini" }],
    });
    // Act
    const outcome = await admission.settle([{ provider: "openai", model: "gpt-4o-mini", usage: "unknown" }]);
    // Assess
    expect(outcome.settled).toEqual(outcome.reserved);
  });

  it("never settles a negative charge, even from usage that slipped past the checks", async () => {
    // Prepare
    const { limits, ledger } = setup();
    const gate = await limits.checkRateLimits([key]);
    const admission = await limits.reserve(gate, {
      requestId: "req-4",
      endpoint: "chat",
      body,
      candidates: [{ provider: "openai", model: "gpt-4o-mini" }],
    });
    // Act
    const outcome = await admission.settle([
      {
        provider: "openai",
        model: "gpt-4o-mini",
        usage: { prompt_tokens: -100_000_000, completion_tokens: -5, total_tokens: -100_000_005 },
      },
    ]);
    // Assess
    expect(outcome.settled).toEqual({ costMicros: 0, tokens: 0 });
    const snapshot = await ledger.current({
      ...key,
      limit: { type: "cost", credit_limit: 1, periodic_reset: "monthly" },
    });
    expect(snapshot.spent).toBe(0);
  });
});
