import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AnthropicFake, startAnthropicFake } from "../fakes/anthropic-fake";
import { startTestGateway, type TestGateway } from "../support/local-gateway";

/**
 * Budgets on `/v1/messages` as on chat (ADR 0016): each request reserves its prompt and `max_tokens` before the
 * call and settles with Anthropic's exact usage after; 100 concurrent requests never take a virtual key past its
 * budget, and the refusals are Anthropic's 402 `billing_error`.
 */
const ANTHROPIC_KEY = "sk-ant-budget-key";
let gateway: TestGateway;
let fake: AnthropicFake;

beforeAll(async () => {
  fake = await startAnthropicFake({ apiKey: ANTHROPIC_KEY });
  gateway = await startTestGateway();
});
afterAll(async () => {
  await gateway.stop();
  await fake.close();
});

describe("a budget on /v1/messages", () => {
  it("holds under 100 concurrent requests with max_tokens, and the spend is Anthropic's usage", async () => {
    // Prepare: $0.005; each call costs 48 micro-dollars (1 input, 3 output tokens of claude-sonnet-4-5) but
    // reserves its max_tokens (50 x $15/MTok = 750 micro-dollars) and its prompt
    const slug = await gateway.createVirtualKey({
      name: "budgeted claude",
      provider: "anthropic",
      key: ANTHROPIC_KEY,
      custom_host: fake.baseUrl,
      usage_limits: { type: "cost", credit_limit: 0.005, periodic_reset: "monthly" },
    });

    // Act: the virtual key named by the API key, as Claude Code would send it
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        fetch(`${gateway.url}/v1/messages`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-portkey-api-key": gateway.apiKey,
            "x-api-key": slug,
            "anthropic-version": "2023-06-01",
          },
          body: JSON.stringify({
            model: "claude-sonnet-4-5",
            max_tokens: 50,
            messages: [{ role: "user", content: `hi${i}` }],
          }),
        }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as { error?: { type: string } }[];

    // Assess: answers and clean refusals in Anthropic's shape, nothing else
    const ok = statuses.filter((s) => s === 200).length;
    const refused = bodies.filter((b, i) => statuses[i] === 402 && b.error?.type === "billing_error").length;
    expect(ok + refused).toBe(100);
    expect(ok).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    expect(fake.requests).toHaveLength(ok);
    let usage: { spent: number; reserved: number } | undefined;
    for (let i = 0; i < 50 && usage?.reserved !== 0; i++) {
      if (i) await new Promise((r) => setTimeout(r, 50));
      usage = ((await gateway.admin("GET", `/v1/virtual-keys/${slug}/usage`)).json.data as (typeof usage)[])[0];
    }
    expect(usage?.reserved).toBe(0);
    expect(usage?.spent).toBeLessThanOrEqual(0.005);
    expect(usage?.spent).toBeCloseTo(ok * 48e-6, 9);
  });
});
