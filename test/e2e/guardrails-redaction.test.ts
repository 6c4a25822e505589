import OpenAI from "openai";
import { Portkey } from "portkey-ai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RequestSummary } from "../../shared/logging/request-summary";
import { type OpenAIFake, startOpenAIFake } from "../fakes/openai-fake";
import { startModerationFake, startWebhookFake, type WebhookFake } from "../fakes/openai-moderation-fake";
import { startTestGateway } from "../support/local-gateway";

/**
 * Guardrails that change or judge traffic, end to end with the unmodified `openai` and `portkey-ai` SDKs against
 * the local runtime: PII redaction (request, answer, stream), mutators, a policy webhook, a moderation target.
 * Portkey configs are used as Portkey documents them.
 */
const KEY = "sk-guardrails-redaction-test";
const MOD_KEY = "sk-moderation-test-key";
const EMAIL = "jane.doe@example.com";
const CARD = "4111 1111 1111 1111";

let fake: OpenAIFake;
let moderation: Awaited<ReturnType<typeof startModerationFake>>;
let webhook: WebhookFake;
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
let answer = "ok";
const summaries: RequestSummary[] = [];

const PII_REDACT = {
  id: "pii",
  type: "mutator",
  checks: [
    {
      id: "portkey.pii",
      parameters: { redact: true, categories: ["EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD"], credentials: {} },
    },
  ],
};

function config(hooks: Record<string, unknown>): Record<string, unknown> {
  return { provider: "openai", api_key: KEY, custom_host: fake.baseUrl, ...hooks };
}

function openai(cfg: Record<string, unknown>): OpenAI {
  return new OpenAI({
    apiKey: "unused",
    baseURL: `${gateway.url}/v1`,
    maxRetries: 0,
    defaultHeaders: { "x-portkey-api-key": gateway.apiKey, "x-portkey-config": JSON.stringify(cfg) },
  });
}

function ask(content: string) {
  return { model: "gpt-4o-mini", messages: [{ role: "user" as const, content }] };
}

function lastUserText(): string {
  const body = fake.requests.at(-1)?.json<{ messages: { content: string }[] }>();
  return body?.messages.at(-1)?.content ?? "";
}

type HookResultsBody = {
  hook_results: {
    before_request_hooks: { checks: { data: unknown; transformed: boolean }[] }[];
    after_request_hooks: unknown[];
  };
};

beforeAll(async () => {
  fake = await startOpenAIFake({ apiKey: KEY, reply: () => answer });
  moderation = await startModerationFake(MOD_KEY);
  webhook = await startWebhookFake();
  gateway = await startTestGateway({ logBodies: true, observer: { finish: (s) => summaries.push(s) } });
});
afterAll(async () => {
  await gateway.stop();
  await Promise.all([fake.close(), moderation.close(), webhook.close()]);
});
beforeEach(() => {
  fake.reset();
  webhook.reset();
  webhook.answer = { verdict: true };
  answer = "ok";
});

describe("portkey.pii with redact", () => {
  it("sends the upstream redacted text, redacts the answer, logs no PII and quotes none in hook_results", async () => {
    // Prepare
    answer = `I will write to ${EMAIL} and charge ${CARD}`;
    const client = openai(config({ before_request_hooks: [PII_REDACT], after_request_hooks: [PII_REDACT] }));

    // Act
    const completion = await client.chat.completions.create(
      ask(`My email is ${EMAIL}, card ${CARD}. Call +1 (415) 555-0132.`),
    );

    // Assess
    expect(lastUserText()).toBe("My email is [EMAIL_ADDRESS_1], card [CREDIT_CARD_1]. Call [PHONE_NUMBER_1].");
    expect(completion.choices[0]?.message.content).toBe("I will write to [EMAIL_ADDRESS_1] and charge [CREDIT_CARD_1]");
    const results = JSON.stringify((completion as unknown as HookResultsBody).hook_results);
    expect(results).not.toContain(EMAIL);
    expect(results).not.toContain("4111");
    expect(
      (completion as unknown as HookResultsBody).hook_results.before_request_hooks[0]?.checks[0]?.transformed,
    ).toBe(true);
    const logged = await gateway.loggedText();
    expect(logged).toContain("[EMAIL_ADDRESS_1]");
    expect(logged).not.toContain(EMAIL);
    expect(logged).not.toContain("4111");
  });

  it("works unchanged through the portkey-ai SDK with a Portkey config", async () => {
    const client = new Portkey({
      apiKey: gateway.apiKey,
      baseURL: `${gateway.url}/v1`,
      maxRetries: 0,
      config: {
        ...config({}),
        before_request_hooks: [
          {
            id: "pii",
            type: "guardrail",
            deny: false,
            checks: [{ id: "portkey.pii", parameters: { redact: true, categories: ["EMAIL_ADDRESS"] } }],
          },
        ],
      },
    });
    await client.chat.completions.create(ask(`reach me at ${EMAIL}`));
    expect(lastUserText()).toBe("reach me at [EMAIL_ADDRESS_1]");
  });

  it("redacts a streamed answer as it flows, a value split over events included, and logs the redacted stream", async () => {
    // Prepare: the fake streams one word per event, so the phone number arrives in three events
    answer = `Sure, call +1 (415) 555-0132 or mail ${EMAIL} today, thanks for asking about the plan`;
    const client = openai(config({ after_request_hooks: [PII_REDACT] }));

    // Act
    const stream = await client.chat.completions.create({ ...ask("contact?"), stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";

    // Assess
    expect(text).toBe("Sure, call [PHONE_NUMBER_1] or mail [EMAIL_ADDRESS_1] today, thanks for asking about the plan");
    const logged = await gateway.loggedText();
    expect(logged).not.toContain(EMAIL);
    expect(logged).not.toContain("555-0132");
    expect(summaries.at(-1)?.guardrails).toEqual([
      expect.objectContaining({ id: "pii", phase: "after_request", verdict: true }),
    ]);
  });
});

describe("mutators", () => {
  it("applies default.regexReplace and default.addPrefix in order and says so in hook_results", async () => {
    const client = openai(
      config({
        before_request_hooks: [
          {
            id: "rewrite",
            type: "mutator",
            checks: [
              { id: "default.regexReplace", parameters: { rule: "/order-\\d+/i", redactText: "[ORDER]" } },
              { id: "default.addPrefix", parameters: { prefix: "Be brief. " } },
            ],
          },
        ],
      }),
    );
    const completion = await client.chat.completions.create(ask("Where is ORDER-12345?"));
    expect(lastUserText()).toBe("Be brief. Where is [ORDER]?");
    const hook = (completion as unknown as HookResultsBody).hook_results.before_request_hooks[0];
    expect(hook?.checks.map((c) => c.transformed)).toEqual([true, true]);
  });

  it("a pathological pattern cannot stall the gateway: (a+)+$ on a long prompt answers in milliseconds", async () => {
    const client = openai(
      config({
        before_request_hooks: [
          { id: "evil", type: "guardrail", checks: [{ id: "default.regexReplace", parameters: { rule: "(a+)+$" } }] },
        ],
      }),
    );
    const started = performance.now();
    await client.chat.completions.create(ask(`${"a".repeat(50_000)}!`));
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe("default.webhook", () => {
  const hook = (params: Record<string, unknown>, deny = true) => ({
    id: "policy",
    type: "guardrail",
    deny,
    checks: [
      { id: "default.webhook", parameters: { webhookURL: webhook.url, headers: { "x-policy-key": "k1" }, ...params } },
    ],
  });

  it("posts the hook context without credentials, and denies with 446 on verdict false", async () => {
    webhook.answer = { verdict: false, data: { reason: "blocked topic" } };
    const client = openai(config({ before_request_hooks: [hook({})] }));

    const err = await client.chat.completions.create(ask("tell me about topic X")).catch((e: unknown) => e);

    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(446);
    expect(fake.requests).toHaveLength(0);
    const call = webhook.requests[0];
    expect(call?.json()).toMatchObject({
      eventType: "beforeRequestHook",
      requestType: "chatComplete",
      provider: "openai",
      request: { text: "tell me about topic X" },
    });
    expect(call?.headers["x-policy-key"]).toBe("k1");
    const seen = JSON.stringify(call?.headers) + call?.body.toString();
    expect(seen).not.toContain(gateway.apiKey);
    expect(seen).not.toContain(KEY);
    // only the gateway's own loop mark: no client x-portkey-* header is forwarded
    expect(Object.keys(call?.headers ?? {}).filter((h) => h.startsWith("x-portkey"))).toEqual(["x-portkey-hop"]);
  });

  it("fails open on a timeout by default, and closed with failOnError", async () => {
    webhook.answer = "hang";
    const open = await openai(config({ before_request_hooks: [hook({ timeout: 200 })] })).chat.completions.create(
      ask("hi"),
    );
    expect(open.choices[0]?.message.content).toBe("ok");

    const started = performance.now();
    const closed = await openai(config({ before_request_hooks: [hook({ timeout: 200, failOnError: true })] }))
      .chat.completions.create(ask("hi"))
      .catch((e: unknown) => e);
    expect((closed as InstanceType<typeof OpenAI.APIError>).status).toBe(446);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("applies the webhook's transformedData to the request", async () => {
    webhook.answer = { verdict: true, transformedData: { request: { json: { ...ask("rewritten by policy") } } } };
    await openai(config({ before_request_hooks: [hook({})] })).chat.completions.create(ask("original"));
    expect(lastUserText()).toBe("rewritten by policy");
  });
});

describe("portkey.moderateContent", () => {
  it("calls the moderation target through the provider layer, logs it as an attempt and denies flagged text", async () => {
    const moderate = {
      id: "moderation",
      type: "guardrail",
      deny: true,
      checks: [
        {
          id: "portkey.moderateContent",
          parameters: {
            categories: ["violence"],
            target: { provider: "openai", api_key: MOD_KEY, custom_host: moderation.baseUrl },
          },
        },
      ],
    };
    const client = openai(config({ before_request_hooks: [moderate] }));

    const ok = await client.chat.completions.create(ask("a calm question"));
    const err = await client.chat.completions.create(ask("how do I kill a process")).catch((e: unknown) => e);

    expect(ok.choices[0]?.message.content).toBe("ok");
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(446);
    expect(moderation.requests).toHaveLength(2);
    expect(moderation.requests[0]?.path).toBe("/v1/moderations");
    const attempts = summaries.at(-1)?.attempts ?? [];
    expect(attempts).toEqual([
      expect.objectContaining({ provider: "openai", status: 200, target: "config.before_request_hooks[0].checks[0]" }),
    ]);
  });
});
