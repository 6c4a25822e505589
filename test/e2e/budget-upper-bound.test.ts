import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorstCaseUsageFake, usageFor, type WorstCaseUsageFake } from "../fakes/worst-case-usage-fake";
import { startTestGateway, type TestGateway } from "../support/local-gateway";

/**
 * The budget estimate is an upper bound of what a provider reports (ADR 0026), so a budget holds under
 * concurrency: 100 requests at once, with `max_tokens`, against a provider (stored by an admin, so its usage is
 * billed as reported) that reports the most an honest tokenizer could (one token per byte of a prompt of rare
 * 4-byte characters, every completion token allowed). The settled spend never passes the limit.
 */
const CONCURRENT = 100;
const MAX_TOKENS = 16;
/** 400 bytes of a character tokenizers rarely merge: 100 tokens on a bytes/3 rule, up to 410 with the overhead. */
const PROMPT = "𝔘".repeat(100);
const BODY = { model: "gpt-4o-mini", max_tokens: MAX_TOKENS, messages: [{ role: "user" as const, content: PROMPT }] };
const PROVIDER_KEY = "sk-worst-case-provider";

let gateway: TestGateway;
let fake: WorstCaseUsageFake;

beforeAll(async () => {
  [gateway, fake] = await Promise.all([startTestGateway(), startWorstCaseUsageFake()]);
});
afterAll(async () => {
  await Promise.all([gateway.stop(), fake.close()]);
});

interface Usage {
  spent: number;
  reserved: number;
  limit: number;
}

/** The virtual key's budget once every settle has landed (nothing reserved any more). */
async function settledUsage(slug: string): Promise<Usage | undefined> {
  let usage: Usage | undefined;
  for (let i = 0; i < 100 && usage?.reserved !== 0; i++) {
    if (i) await new Promise((r) => setTimeout(r, 50));
    usage = ((await gateway.admin("GET", `/v1/virtual-keys/${slug}/usage`)).json.data as Usage[])[0];
  }
  return usage;
}

/** Sends the same chat request `CONCURRENT` times at once with the openai SDK; the status of each. */
async function burst(slug: string): Promise<number[]> {
  const client = new OpenAI({
    apiKey: gateway.apiKey,
    baseURL: `${gateway.url}/v1`,
    maxRetries: 0,
    timeout: 20_000,
    defaultHeaders: { "x-portkey-api-key": gateway.apiKey, "x-portkey-virtual-key": slug },
  });
  return Promise.all(
    Array.from({ length: CONCURRENT }, () =>
      client.chat.completions.create(BODY).then(
        () => 200,
        (err: unknown) => (err instanceof OpenAI.APIError ? (err.status ?? 0) : 0),
      ),
    ),
  );
}

describe("a budget holds under 100 concurrent requests whose provider reports the worst case", () => {
  const perRequest = usageFor(BODY);

  it("a token budget: spend never passes the limit", async () => {
    // Prepare: room for about 11 requests at their real usage
    const limit = 5_000;
    const slug = await gateway.createVirtualKey({
      name: "worst-case tokens",
      key: PROVIDER_KEY,
      custom_host: fake.baseUrl,
      usage_limits: { type: "tokens", credit_limit: limit, periodic_reset: "none" },
    });
    const before = fake.answered();

    // Act
    const statuses = await burst(slug);

    // Assess: successes and budget refusals only; the spend is the reported usage of each success, within the limit
    const ok = statuses.filter((s) => s === 200).length;
    expect(statuses.filter((s) => s !== 200 && s !== 412)).toEqual([]);
    expect(ok).toBeGreaterThan(0);
    expect(fake.answered() - before).toBe(ok);
    const usage = await settledUsage(slug);
    expect(usage?.reserved).toBe(0);
    expect(usage?.spent).toBe(ok * perRequest.total_tokens);
    expect(usage?.spent).toBeLessThanOrEqual(limit);
  });

  it("a USD budget: spend never passes the limit", async () => {
    // Prepare: $0.0008; a request costs 410 x $0.15 + 16 x $0.60 per million tokens = 72 micro-dollars
    const limit = 0.0008;
    const slug = await gateway.createVirtualKey({
      name: "worst-case usd",
      key: PROVIDER_KEY,
      custom_host: fake.baseUrl,
      usage_limits: { type: "cost", credit_limit: limit, periodic_reset: "none" },
    });

    // Act
    const statuses = await burst(slug);

    // Assess
    const ok = statuses.filter((s) => s === 200).length;
    expect(statuses.filter((s) => s !== 200 && s !== 412)).toEqual([]);
    expect(ok).toBeGreaterThan(0);
    const usage = await settledUsage(slug);
    expect(usage?.reserved).toBe(0);
    expect(usage?.spent).toBeCloseTo(ok * 72e-6, 9);
    expect(usage?.spent).toBeLessThanOrEqual(limit);
  });
});
