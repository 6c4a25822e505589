import OpenAI from "openai";
import { MODEL_PRICES } from "../../shared/pricing/prices";
import type { OpenAIFake } from "../fakes/openai-fake";

/**
 * A mixed workload for the analytics e2e test: successes (JSON and SSE, two models, two teams), config fallbacks,
 * a cache miss then hit, upstream errors surfaced to the client, gateway errors and a client that goes away
 * mid-stream. Each request carries its own trace id and records what its log row must say, computed here from
 * the fake's rules ("tokens" = whitespace-separated words; the reply is "You said: <last user message>") and
 * the price table, not from anything the gateway reports.
 */
export interface ExpectedRequest {
  readonly label: string;
  readonly traceId: string;
  readonly status: number;
  /** Model the analytics group it under (served, else requested); null when the body never parsed. */
  readonly model: string | null;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number | null;
  readonly cacheStatus: "hit" | "miss" | "disabled" | null;
  readonly attempts: number;
  readonly stream: boolean;
  readonly team: "a" | "b" | null;
  readonly user: string | null;
  readonly clientDisconnected: boolean;
}

export interface WorkloadContext {
  readonly gatewayUrl: string;
  readonly apiKey: string;
  /** Virtual key to the healthy fake. */
  readonly slug: string;
  readonly providerKey: string;
  readonly fake: OpenAIFake;
  /** A fake that answers 503 to everything. */
  readonly failing: OpenAIFake;
  /** A loopback URL nobody listens on. */
  readonly closedUrl: string;
  readonly runId: string;
}

function words(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/**
 * Usage and cost of an answered chat request, per the fake's word counting and the price table's data (USD per
 * 1M tokens, no cached tokens here), with our own arithmetic rather than the gateway's `computeCost`.
 */
function answered(
  model: string,
  userText: string,
): Pick<ExpectedRequest, "promptTokens" | "completionTokens" | "costUsd"> {
  const price = MODEL_PRICES.openai?.[model];
  if (!price) throw new Error(`${model} is not in the price table`);
  const promptTokens = words(userText);
  const completionTokens = words(`You said: ${userText}`);
  return { promptTokens, completionTokens, costUsd: (promptTokens * price[0] + completionTokens * price[1]) / 1e6 };
}

const NO_USAGE = { promptTokens: 0, completionTokens: 0, costUsd: null } as const;

export async function runMixedWorkload(ctx: WorkloadContext): Promise<ExpectedRequest[]> {
  const expected: ExpectedRequest[] = [];
  const client = new OpenAI({ apiKey: ctx.apiKey, baseURL: `${ctx.gatewayUrl}/v1`, maxRetries: 0 });
  const trace = (label: string) => `mixed-${ctx.runId}-${label}`;
  const meta = (team: "a" | "b", user?: string) =>
    JSON.stringify(user === undefined ? { team } : { team, _user: user });
  const base = { status: 200, attempts: 1, stream: false, cacheStatus: "disabled", clientDisconnected: false } as const;

  async function chat(label: string, model: string, text: string, headers: Record<string, string>) {
    const res = await client.chat.completions.create(
      { model, messages: [{ role: "user", content: text }] },
      { headers: { "x-portkey-trace-id": trace(label), ...headers } },
    );
    return res.choices[0]?.message.content;
  }
  async function stream(label: string, model: string, text: string, headers: Record<string, string>, usage: boolean) {
    const s = await client.chat.completions.create(
      {
        model,
        messages: [{ role: "user", content: text }],
        stream: true,
        ...(usage ? { stream_options: { include_usage: true } } : {}),
      },
      { headers: { "x-portkey-trace-id": trace(label), ...headers } },
    );
    let out = "";
    for await (const chunk of s) out += chunk.choices[0]?.delta?.content ?? "";
    return out;
  }
  function record(label: string, fields: Omit<ExpectedRequest, "label" | "traceId">): void {
    expected.push({ label, traceId: trace(label), ...fields });
  }
  async function statusOf(promise: Promise<unknown>): Promise<number> {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(err instanceof OpenAI.APIError)) throw new Error(`expected an API error, got ${String(err)}`);
    return err.status ?? -1;
  }
  const vk = { "x-portkey-virtual-key": ctx.slug };

  // Successes: JSON and SSE, two models, two teams and users.
  const t1 = "hello from team a";
  if (
    (await chat("json-mini", "gpt-4o-mini", t1, { ...vk, "x-portkey-metadata": meta("a", "alice") })) !==
    `You said: ${t1}`
  )
    throw new Error("json-mini answered wrongly");
  record("json-mini", { ...base, model: "gpt-4o-mini", ...answered("gpt-4o-mini", t1), team: "a", user: "alice" });

  const t2 = "a bigger model for team b please";
  await chat("json-4o", `@${ctx.slug}/gpt-4o`, t2, { "x-portkey-metadata": meta("b", "bob") });
  record("json-4o", { ...base, model: "gpt-4o", ...answered("gpt-4o", t2), team: "b", user: "bob" });

  const t3 = "stream me some words";
  await stream("stream-mini", "gpt-4o-mini", t3, { ...vk, "x-portkey-metadata": meta("a", "alice") }, true);
  record("stream-mini", {
    ...base,
    stream: true,
    model: "gpt-4o-mini",
    ...answered("gpt-4o-mini", t3),
    team: "a",
    user: "alice",
  });

  const t4 = "stream without asking for usage";
  await stream("stream-4o", "gpt-4o", t4, { ...vk, "x-portkey-metadata": meta("b", "bob") }, false);
  record("stream-4o", { ...base, stream: true, model: "gpt-4o", ...answered("gpt-4o", t4), team: "b", user: "bob" });

  // Fallbacks: the first target answers 503, or nobody listens on it.
  const fallback = (first: string) =>
    JSON.stringify({
      strategy: { mode: "fallback" },
      targets: [{ provider: "openai", api_key: ctx.providerKey, custom_host: first }, { virtual_key: ctx.slug }],
    });
  const t5 = "first target is down with 503";
  await chat("fallback-503", "gpt-4o-mini", t5, {
    "x-portkey-config": fallback(ctx.failing.baseUrl),
    "x-portkey-metadata": meta("a"),
  });
  record("fallback-503", {
    ...base,
    attempts: 2,
    model: "gpt-4o-mini",
    ...answered("gpt-4o-mini", t5),
    team: "a",
    user: null,
  });

  const t6 = "first target refuses the connection";
  await chat("fallback-closed", "gpt-4o", t6, {
    "x-portkey-config": fallback(ctx.closedUrl),
    "x-portkey-metadata": meta("b"),
  });
  record("fallback-closed", {
    ...base,
    attempts: 2,
    model: "gpt-4o",
    ...answered("gpt-4o", t6),
    team: "b",
    user: null,
  });

  // Cache: the same request twice; the second is answered without the upstream (and costs nothing).
  const cached = JSON.stringify({ virtual_key: ctx.slug, cache: { mode: "simple", max_age: 60 } });
  const t7 = "cache this answer for me";
  const before = ctx.fake.requests.length;
  await chat("cache-miss", "gpt-4o-mini", t7, { "x-portkey-config": cached, "x-portkey-metadata": meta("a") });
  await chat("cache-hit", "gpt-4o-mini", t7, { "x-portkey-config": cached, "x-portkey-metadata": meta("a") });
  if (ctx.fake.requests.length !== before + 1) throw new Error("the cache hit reached the upstream");
  const miss = answered("gpt-4o-mini", t7);
  record("cache-miss", { ...base, cacheStatus: "miss", model: "gpt-4o-mini", ...miss, team: "a", user: null });
  record("cache-hit", {
    ...base,
    cacheStatus: "hit",
    attempts: 0,
    model: "gpt-4o-mini",
    ...NO_USAGE,
    costUsd: 0,
    team: "a",
    user: null,
  });

  // Upstream errors keep their status.
  ctx.fake.enqueueFaults({ kind: "status", status: 400 });
  const s400 = await statusOf(chat("upstream-400", "gpt-4o-mini", "bad request upstream", vk));
  record("upstream-400", { ...base, status: s400, model: "gpt-4o-mini", ...NO_USAGE, team: null, user: null });
  ctx.fake.enqueueFaults({ kind: "status", status: 429 });
  const s429 = await statusOf(chat("upstream-429", "gpt-4o", "too many requests upstream", vk));
  record("upstream-429", { ...base, status: s429, model: "gpt-4o", ...NO_USAGE, team: null, user: null });

  // Gateway errors: a body that is not JSON, and no provider at all.
  const badJson = await fetch(`${ctx.gatewayUrl}/v1/chat/completions`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-portkey-api-key": ctx.apiKey,
      "x-portkey-trace-id": trace("bad-json"),
      ...vk,
    },
    body: '{"model": "gpt-4o-mini", "messages": [',
  });
  await badJson.arrayBuffer();
  const gatewayError = { ...base, attempts: 0, cacheStatus: null, ...NO_USAGE, team: null, user: null } as const;
  record("bad-json", { ...gatewayError, status: badJson.status, model: null });
  const sNoProvider = await statusOf(chat("no-provider", "gpt-4o-mini", "who serves this", {}));
  record("no-provider", { ...gatewayError, status: sNoProvider, model: "gpt-4o-mini" });

  // A client that reads the first chunk and goes away (the upstream keeps the stream open, silent).
  ctx.fake.enqueueFaults({ kind: "stall", afterEvents: 2 });
  const gone = await client.chat.completions.create(
    { model: "gpt-4o-mini", messages: [{ role: "user", content: "I will hang up" }], stream: true },
    { headers: { "x-portkey-trace-id": trace("disconnect"), ...vk, "x-portkey-metadata": meta("b", "bob") } },
  );
  for await (const _chunk of gone) break;
  record("disconnect", {
    ...base,
    status: 499,
    stream: true,
    model: "gpt-4o-mini",
    ...NO_USAGE,
    team: "b",
    user: "bob",
    clientDisconnected: true,
  });
  return expected;
}
