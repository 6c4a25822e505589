import OpenAI from "openai";
import { Portkey } from "portkey-ai";
import { beforeEach, describe, expect, it } from "vitest";
import { type OpenAIFake, startOpenAIFake } from "../fakes/openai-fake";
import { startTestGateway } from "../support/local-gateway";
import { useStarted } from "../support/started";

/**
 * The unmodified `portkey-ai` SDK (config object -> `x-portkey-config`) and the `openai` SDK (config in default
 * headers) running the fallback and loadbalance examples of Portkey's docs against the local gateway. The docs
 * use virtual keys; until the control plane lands, the targets name provider + api_key + custom_host instead.
 */
const KEY_A = "sk-primary";
const KEY_B = "sk-secondary";
const MESSAGES = [{ role: "user" as const, content: "Say this is a test" }];

let primary: OpenAIFake;
let secondary: OpenAIFake;
let gateway: Awaited<ReturnType<typeof startTestGateway>>;

function fallbackConfig() {
  return {
    strategy: { mode: "fallback" },
    targets: [
      { provider: "openai", api_key: KEY_A, custom_host: primary.baseUrl },
      {
        provider: "openai",
        api_key: KEY_B,
        custom_host: secondary.baseUrl,
        override_params: { model: "gpt-4o-mini" },
      },
    ],
  };
}

function loadbalanceConfig() {
  return {
    strategy: { mode: "loadbalance" },
    targets: [
      { provider: "openai", api_key: KEY_A, custom_host: primary.baseUrl, weight: 0.7 },
      { provider: "openai", api_key: KEY_B, custom_host: secondary.baseUrl, weight: 0.3 },
    ],
  };
}

useStarted(async () => {
  primary = await startOpenAIFake({ apiKey: KEY_A, reply: () => "primary says this is a test" });
  secondary = await startOpenAIFake({ apiKey: KEY_B, reply: () => "secondary says this is a test" });
  gateway = await startTestGateway();
  return [primary, secondary, gateway];
});
beforeEach(() => {
  primary.reset();
  secondary.reset();
});

describe("portkey-ai SDK with a config object", () => {
  function client(config: Record<string, unknown>): Portkey {
    return new Portkey({ apiKey: gateway.apiKey, baseURL: `${gateway.url}/v1`, config });
  }

  it("runs the docs' fallback example: the primary fails, the secondary answers with override_params", async () => {
    // Prepare
    primary.enqueueFaults({ kind: "status", status: 503 });
    const portkey = client(fallbackConfig());

    // Act
    const completion = await portkey.chat.completions.create({ messages: MESSAGES, model: "gpt-4o" });

    // Assess
    expect(completion.choices[0]?.message?.content).toBe("secondary says this is a test");
    expect(completion.model).toBe("gpt-4o-mini");
    expect(completion.getHeaders()).toMatchObject({
      "last-used-option-index": "config.targets[1]",
      "retry-attempt-count": "0",
      provider: "openai",
    });
    expect(primary.requests).toHaveLength(1);
    expect(primary.requests[0]?.headers["x-portkey-config"]).toBeUndefined();
    expect(secondary.requests[0]?.json()).toMatchObject({ model: "gpt-4o-mini" });
  });

  it("streams through the fallback when the primary fails before its first byte", async () => {
    primary.enqueueFaults({ kind: "status", status: 500 });
    const portkey = client(fallbackConfig());
    const stream = await portkey.chat.completions.create({ messages: MESSAGES, model: "gpt-4o", stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).toBe("secondary says this is a test");
  });

  it("runs the docs' loadbalance example: 70/30 split over 200 requests", async () => {
    const portkey = client(loadbalanceConfig());
    for (let i = 0; i < 200; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, () => portkey.chat.completions.create({ messages: MESSAGES, model: "gpt-4o" })),
      );
    }
    const a = primary.requests.length;
    const b = secondary.requests.length;
    expect(a + b).toBe(200);
    const chi2 = (a - 140) ** 2 / 140 + (b - 60) ** 2 / 60;
    expect(chi2).toBeLessThan(10.83);
  });

  it("passes a per-request config override and metadata (conditional routing)", async () => {
    const portkey = client(fallbackConfig());
    const config = {
      strategy: {
        mode: "conditional",
        conditions: [{ query: { "metadata.plan": { $in: ["pro"] } }, ["then" as string]: "secondary" }],
        default: "primary",
      },
      targets: [
        { name: "primary", provider: "openai", api_key: KEY_A, custom_host: primary.baseUrl },
        { name: "secondary", provider: "openai", api_key: KEY_B, custom_host: secondary.baseUrl },
      ],
    };
    const res = await portkey.chat.completions.create(
      { messages: MESSAGES, model: "gpt-4o" },
      { config, metadata: { plan: "pro" } },
    );
    expect(res.choices[0]?.message?.content).toBe("secondary says this is a test");
  });
});

describe("openai SDK with x-portkey-config in default headers", () => {
  function client(config: unknown): OpenAI {
    return new OpenAI({
      apiKey: "unused-by-config-targets",
      baseURL: `${gateway.url}/v1`,
      maxRetries: 0,
      defaultHeaders: { "x-portkey-config": JSON.stringify(config), "x-portkey-api-key": gateway.apiKey },
    });
  }

  it("falls back when the primary is rate limited, and tells which option answered", async () => {
    primary.setAlwaysFault({ kind: "status", status: 429, headers: { "retry-after": "0" } });
    const { data, response } = await client(fallbackConfig())
      .chat.completions.create({ messages: MESSAGES, model: "gpt-4o" })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe("secondary says this is a test");
    expect(response.headers.get("x-portkey-last-used-option-index")).toBe("config.targets[1]");
    expect(primary.requests[0]?.headers.authorization).toBe(`Bearer ${KEY_A}`);
    expect(secondary.requests[0]?.headers.authorization).toBe(`Bearer ${KEY_B}`);
  });

  it("load balances streams and completes each one", async () => {
    const openai = client(loadbalanceConfig());
    const texts = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const stream = await openai.chat.completions.create({ messages: MESSAGES, model: "gpt-4o", stream: true });
        let text = "";
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
        return text;
      }),
    );
    expect(texts.every((t) => t.endsWith("says this is a test"))).toBe(true);
    expect(primary.requests.length + secondary.requests.length).toBe(20);
  });

  it("surfaces an invalid config as the SDK's BadRequestError with the field path", async () => {
    const err = await client({ strategy: { mode: "fallback" }, targets: [] })
      .chat.completions.create({ messages: MESSAGES, model: "gpt-4o" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe("invalid_config");
    expect((err as Error).message).toContain("config.targets");
  });
});
