import OpenAI from "openai";
import { Portkey } from "portkey-ai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RequestSummary } from "../../shared/logging/request-summary";
import { type OpenAIFake, startOpenAIFake } from "../fakes/openai-fake";
import { startTestGateway } from "../support/local-gateway";

/**
 * Guardrails (Portkey hooks) end to end: the unmodified `openai` and `portkey-ai` SDKs against the local runtime,
 * an OpenAI fake whose answer each test chooses. Deny = 446 (no upstream call before the request), flagged =
 * 246 with `hook_results`, all passed = 200 with `hook_results`; verdicts land in the request log.
 */
const KEY = "sk-guardrails-test";

let fake: OpenAIFake;
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
let answer = "a short answer";
const summaries: RequestSummary[] = [];

const NO_PASSWORDS = {
  id: "no-passwords",
  type: "guardrail",
  deny: true,
  checks: [{ id: "default.regexMatch", parameters: { rule: "[Pp]assword|PASSWORD", not: true } }],
};
const FIVE_WORDS_MAX = (deny: boolean) => ({
  id: "five-words-max",
  type: "guardrail",
  deny,
  checks: [{ id: "default.wordCount", parameters: { maxWords: 5 } }],
});

function config(hooks: Record<string, unknown>, target: Record<string, unknown> = {}): Record<string, unknown> {
  return { provider: "openai", api_key: KEY, custom_host: fake.baseUrl, ...target, ...hooks };
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

type WithHookResults = { hook_results?: { before_request_hooks: unknown[]; after_request_hooks: unknown[] } };

beforeAll(async () => {
  fake = await startOpenAIFake({ apiKey: KEY, reply: () => answer });
  gateway = await startTestGateway({ observer: { finish: (s) => summaries.push(s) } });
});
afterAll(async () => {
  await gateway.stop();
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  answer = "a short answer";
});

describe("guardrails with the openai SDK", () => {
  it("refuses a request a deny hook fails with 446, before any upstream call", async () => {
    // Prepare
    const client = openai(config({ before_request_hooks: [NO_PASSWORDS] }));

    // Act
    const err = await client.chat.completions.create(ask("my Password is hunter2")).catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(446);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe("hooks_failed");
    expect(fake.requests).toHaveLength(0);
  });

  it("replaces an answer an after-request deny hook fails with a 446 carrying hook_results", async () => {
    // Prepare
    answer = "this answer has far more than five words in it";
    const cfg = config({ before_request_hooks: [NO_PASSWORDS], after_request_hooks: [FIVE_WORDS_MAX(true)] });

    // Act
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-portkey-api-key": gateway.apiKey,
        "x-portkey-config": JSON.stringify(cfg),
      },
      body: JSON.stringify(ask("hello")),
    });

    // Assess
    expect(res.status).toBe(446);
    const body = (await res.json()) as { error: Record<string, unknown> } & WithHookResults;
    expect(body.error).toMatchObject({ type: "gateway_hooks_failed", code: "hooks_failed" });
    expect(body).not.toHaveProperty("choices");
    expect(body.hook_results?.before_request_hooks).toMatchObject([{ id: "no-passwords", verdict: true }]);
    expect(body.hook_results?.after_request_hooks).toMatchObject([
      { id: "five-words-max", verdict: false, deny: true, checks: [{ id: "default.wordCount", verdict: false }] },
    ]);
    expect(fake.requests).toHaveLength(1);
  });

  it("passes a flagged answer with status 246 and hook_results (a 2xx: the SDK returns it)", async () => {
    // Prepare
    answer = "this answer has far more than five words in it";
    const client = openai(config({ after_request_hooks: [FIVE_WORDS_MAX(false)] }));

    // Act
    const { data, response } = await client.chat.completions.create(ask("hello")).withResponse();

    // Assess
    expect(response.status).toBe(246);
    expect(data.choices[0]?.message.content).toBe(answer);
    const hooks = (data as unknown as WithHookResults).hook_results;
    expect(hooks?.after_request_hooks).toMatchObject([{ id: "five-words-max", verdict: false, deny: false }]);
  });

  it("answers 200 with hook_results when every hook passes", async () => {
    const client = openai(
      config({ before_request_hooks: [NO_PASSWORDS], after_request_hooks: [FIVE_WORDS_MAX(true)] }),
    );

    const { data, response } = await client.chat.completions.create(ask("hello")).withResponse();

    expect(response.status).toBe(200);
    const hooks = (data as unknown as WithHookResults).hook_results;
    expect(hooks?.before_request_hooks).toMatchObject([{ id: "no-passwords", verdict: true }]);
    expect(hooks?.after_request_hooks).toMatchObject([{ id: "five-words-max", verdict: true }]);
  });

  it("refuses an invalid hook with 400 invalid_config naming its path", async () => {
    const bad = { ...NO_PASSWORDS, checks: [{ id: "default.noSuchCheck", parameters: {} }] };
    const client = openai(config({ before_request_hooks: [bad] }));

    const err = await client.chat.completions.create(ask("hello")).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe("invalid_config");
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe(
      "config.before_request_hooks[0].checks[0].id",
    );
    expect(fake.requests).toHaveLength(0);
  });

  it("streams: a before deny is a 446 before any event; an after deny ends the stream with an error event", async () => {
    const denied = openai(config({ before_request_hooks: [NO_PASSWORDS] }));
    const err = await denied.chat.completions
      .create({ ...ask("password please"), stream: true })
      .catch((e: unknown) => e);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(446);

    answer = "a streamed answer with many more than five words";
    const judged = openai(config({ after_request_hooks: [FIVE_WORDS_MAX(true)] }));
    const { data: stream, response } = await judged.chat.completions
      .create({ ...ask("hello"), stream: true })
      .withResponse();
    let text = "";
    const end = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    })().catch((e: unknown) => e);
    // the events flowed as they came; the verdict on the whole text ended the stream instead of [DONE]
    expect(response.status).toBe(200);
    expect(text).toBe(answer);
    expect(end).toBeInstanceOf(OpenAI.APIError);
    expect((end as InstanceType<typeof OpenAI.APIError>).message).toContain("guardrail checks");
  });

  it("streams with status 246 when a non-deny before hook failed", async () => {
    const client = openai(config({ before_request_hooks: [FIVE_WORDS_MAX(false)] }));
    const { data: stream, response } = await client.chat.completions
      .create({ ...ask("one two three four five six seven"), stream: true })
      .withResponse();
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(response.status).toBe(246);
    expect(text).toBe(answer);
  });
});

describe("guardrails with the portkey-ai SDK", () => {
  function portkey(cfg: Record<string, unknown>): Portkey {
    return new Portkey({ apiKey: gateway.apiKey, baseURL: `${gateway.url}/v1`, config: cfg, maxRetries: 0 });
  }

  it("falls back to the next target when a guardrail denies the first one's answer (on_status_codes [446])", async () => {
    // Prepare
    answer = "an answer that is definitely longer than five words";
    const client = portkey({
      strategy: { mode: "fallback", on_status_codes: [446] },
      targets: [
        config({ after_request_hooks: [FIVE_WORDS_MAX(true)] }),
        config({}, { override_params: { model: "gpt-4o" } }),
      ],
    });

    // Act
    const completion = await client.chat.completions.create(ask("hello"));

    // Assess
    expect(completion.choices[0]?.message?.content).toBe(answer);
    expect(completion.getHeaders()).toMatchObject({ "last-used-option-index": "config.targets[1]" });
    expect(fake.requests).toHaveLength(2);
  });

  it("surfaces a deny as an error with status 446 and a flagged answer with hook_results", async () => {
    const denied = await portkey(config({ input_guardrails: [{ "default.contains": { words: ["drop table"] } }] }))
      .chat.completions.create(ask("hello"))
      .catch((e: unknown) => e);
    // the shorthand's deny defaults to false: flagged, not refused
    expect(denied).toMatchObject({ choices: [{ message: { content: answer } }] });
    expect((denied as WithHookResults).hook_results?.before_request_hooks).toMatchObject([{ verdict: false }]);

    const err = await portkey(config({ before_request_hooks: [NO_PASSWORDS] }))
      .chat.completions.create(ask("PASSWORD"))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 446 });
    expect(fake.requests).toHaveLength(1);
  });
});

describe("guardrail verdicts in the request log", () => {
  it("records every hook with its phase, verdict and action", async () => {
    // Prepare
    answer = "this answer has far more than five words in it";
    const traceId = `guardrails-log-${Date.now()}`;
    const client = openai(
      config({ before_request_hooks: [NO_PASSWORDS], after_request_hooks: [FIVE_WORDS_MAX(false)] }),
    );

    // Act
    await client.chat.completions.create(ask("hello"), { headers: { "x-portkey-trace-id": traceId } });
    await gateway.logSink.flush();
    await gateway.analyticsEngine.refresh();

    // Assess
    const summary = summaries.find((s) => s.traceId === traceId);
    expect(summary?.status).toBe(246);
    const headers = { "x-portkey-api-key": gateway.apiKey };
    const list = (await (await fetch(`${gateway.url}/v1/logs?trace_id=${traceId}`, { headers })).json()) as {
      data: { id: string; status: number }[];
    };
    expect(list.data).toHaveLength(1);
    expect(list.data[0]?.status).toBe(246);
    const detail = (await (await fetch(`${gateway.url}/v1/logs/${list.data[0]?.id}`, { headers })).json()) as {
      guardrails: unknown[];
    };
    expect(detail.guardrails).toEqual([
      { id: "no-passwords", phase: "before_request", verdict: true, action: "allow", latency_ms: expect.any(Number) },
      { id: "five-words-max", phase: "after_request", verdict: false, action: "flag", latency_ms: expect.any(Number) },
    ]);
  });
});
