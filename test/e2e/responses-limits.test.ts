import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { useGatewayWithUpstream } from "../support/local-gateway";

const PROVIDER_KEY = "gsk-responses-limits";

/**
 * Budgets, the cache and the request log on `POST /v1/responses` exactly as on chat: through the chat layer to an
 * OpenAI-compatible provider (groq, played by the OpenAI fake) behind virtual keys.
 */
describe("/v1/responses under budgets and the cache", () => {
  const env = useGatewayWithUpstream({ providerKey: PROVIDER_KEY, name: "responses" });

  function groqKey(name: string, fields: Record<string, unknown> = {}): Promise<string> {
    return env.gateway.createVirtualKey({
      name,
      provider: "groq",
      key: PROVIDER_KEY,
      custom_host: env.fake.baseUrl,
      ...fields,
    });
  }

  function create(body: Record<string, unknown>, headers: Record<string, string> = {}) {
    return fetch(`${env.gateway.url}/v1/responses`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-portkey-api-key": env.gateway.apiKey, ...headers },
      body: JSON.stringify(body),
    });
  }

  it("never overspends a token budget under 100 concurrent requests with max_output_tokens", async () => {
    // Prepare: 1,500 tokens; each request reserves ~60 (its input and max_output_tokens) and uses ~8
    const slug = await groqKey("budgeted", {
      usage_limits: { type: "tokens", credit_limit: 1500, periodic_reset: "none" },
    });

    // Act
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        create({ model: `@${slug}/llama-3.3-70b-versatile`, input: `hello number ${i}`, max_output_tokens: 50 }),
      ),
    );
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as { error?: { code: string } }[];

    // Assess: only answers and clean budget refusals
    const ok = responses.filter((r) => r.status === 200).length;
    const refused = bodies.filter((b) => b.error?.code === "budget_exceeded").length;
    expect(ok + refused).toBe(100);
    expect(ok).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    let usage: { spent: number; reserved: number } | undefined;
    for (let i = 0; i < 50; i++) {
      const res = await env.gateway.admin("GET", `/v1/virtual-keys/${slug}/usage`);
      usage = (res.json.data as (typeof usage)[])[0];
      if (usage?.reserved === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(usage?.reserved).toBe(0);
    expect(usage?.spent).toBeGreaterThan(0);
    expect(usage?.spent).toBeLessThanOrEqual(1500);
  });

  it("answers a repeated request from the cache; a stream is never replayed as chat chunks", async () => {
    // Prepare
    const slug = await groqKey("cached");
    const config = JSON.stringify({ virtual_key: slug, cache: { mode: "simple", max_age: 60 } });
    const body = { model: "llama-3.3-70b-versatile", input: "cache this response" };
    const client = new OpenAI({
      apiKey: env.gateway.apiKey,
      baseURL: `${env.gateway.url}/v1`,
      maxRetries: 0,
      defaultHeaders: { "x-portkey-config": config },
    });

    // Act
    const first = await create(body, { "x-portkey-config": config });
    const second = await create(body, { "x-portkey-config": config });
    const stream = await client.responses.create({ ...body, stream: true });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);

    // Assess
    expect(first.headers.get("x-portkey-cache-status")).toBe("MISS");
    expect(second.headers.get("x-portkey-cache-status")).toBe("HIT");
    expect(await second.json()).toEqual(await first.json());
    expect(types[0]).toBe("response.created");
    expect(types.at(-1)).toBe("response.completed");
    expect(env.fake.requests).toHaveLength(2); // the stream went to the upstream
  });
});
