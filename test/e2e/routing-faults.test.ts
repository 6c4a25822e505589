import { beforeEach, describe, expect, it } from "vitest";
import { closedPortUrl } from "../fakes/fake-server";
import { type OpenAIFake, startOpenAIFake } from "../fakes/openai-fake";
import { startTestGateway } from "../support/local-gateway";
import { useStarted } from "../support/started";

/**
 * Fault injection through the local runtime: two fake upstreams misbehave in every way the fakes know, and the
 * client must still get an answer whenever one target is healthy, with the attempts and headers Portkey reports.
 */
const KEY_A = "sk-fake-a";
const KEY_B = "sk-fake-b";

let a: OpenAIFake;
let b: OpenAIFake;
let gateway: Awaited<ReturnType<typeof startTestGateway>>;

function target(fake: OpenAIFake, key: string, extra: Record<string, unknown> = {}) {
  return { provider: "openai", api_key: key, custom_host: fake.baseUrl, ...extra };
}

function fallbackConfig(extra: Record<string, unknown> = {}) {
  return { strategy: { mode: "fallback" }, targets: [target(a, KEY_A), target(b, KEY_B)], ...extra };
}

interface ChatOptions {
  stream?: boolean;
  headers?: Record<string, string>;
  body?: Record<string, unknown>;
  signal?: AbortSignal;
}

async function chat(config: unknown, options: ChatOptions = {}) {
  const res = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-portkey-api-key": gateway.apiKey,
      "x-portkey-config": JSON.stringify(config),
      ...options.headers,
    },
    body: JSON.stringify({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hello" }],
      ...(options.stream ? { stream: true } : {}),
      ...options.body,
    }),
    signal: options.signal,
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

function sseText(raw: string): string {
  let text = "";
  for (const line of raw.split("\n")) {
    if (!line.startsWith("data: ") || line === "data: [DONE]") continue;
    const event = JSON.parse(line.slice(6)) as { choices?: { delta?: { content?: string } }[] };
    text += event.choices?.[0]?.delta?.content ?? "";
  }
  return text;
}

useStarted(async () => {
  a = await startOpenAIFake({ apiKey: KEY_A, reply: () => "from A", chunkDelayMs: 5 });
  b = await startOpenAIFake({ apiKey: KEY_B, reply: () => "from B", chunkDelayMs: 5 });
  gateway = await startTestGateway();
  return [a, b, gateway];
});
beforeEach(() => {
  a.reset();
  b.reset();
});

describe("fallback under faults (JSON answers)", () => {
  it.each([
    ["a 503", { kind: "status", status: 503 }],
    ["a 401", { kind: "status", status: 401 }],
    ["a reset before any byte", { kind: "reset" }],
    ["a reset mid-body", { kind: "reset-body" }],
    ["truncated JSON", { kind: "truncate" }],
  ] as const)("answers from the second target after %s on the first", async (_name, fault) => {
    // Prepare
    a.enqueueFaults(fault);

    // Act
    const res = await chat(fallbackConfig());

    // Assess
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).choices[0].message.content).toBe("from B");
    expect(a.requests).toHaveLength(1);
    expect(b.requests).toHaveLength(1);
    expect(res.headers.get("x-portkey-last-used-option-index")).toBe("config.targets[1]");
    expect(res.headers.get("x-portkey-retry-attempt-count")).toBe("0");
    expect(res.headers.get("x-portkey-provider")).toBe("openai");
    expect(res.headers.get("x-portkey-trace-id")).toBeTruthy();
  });

  it("falls over when the first upstream refuses connections", async () => {
    const config = {
      strategy: { mode: "fallback" },
      targets: [{ ...target(a, KEY_A), custom_host: await closedPortUrl() }, target(b, KEY_B)],
    };
    const res = await chat(config);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).choices[0].message.content).toBe("from B");
    expect(res.headers.get("x-portkey-last-used-option-index")).toBe("config.targets[1]");
  });

  it("falls over when the first target is slower than request_timeout", async () => {
    a.enqueueFaults({ kind: "slow", delayMs: 1500 });
    const started = Date.now();
    const res = await chat(fallbackConfig({ request_timeout: 200 }));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).choices[0].message.content).toBe("from B");
    expect(Date.now() - started).toBeLessThan(1200);
  });

  it("answers from the first target without touching the second when it is healthy", async () => {
    const res = await chat(fallbackConfig());
    expect(JSON.parse(res.text).choices[0].message.content).toBe("from A");
    expect(res.headers.get("x-portkey-last-used-option-index")).toBe("config.targets[0]");
    expect(b.requests).toHaveLength(0);
  });

  it("does not fall back on a status outside strategy.on_status_codes", async () => {
    a.enqueueFaults({ kind: "status", status: 500 });
    const res = await chat({ ...fallbackConfig(), strategy: { mode: "fallback", on_status_codes: [429] } });
    expect(res.status).toBe(500);
    expect(JSON.parse(res.text).error.type).toBe("server_error");
    expect(b.requests).toHaveLength(0);
  });

  it("returns the last target's error, in OpenAI's shape, when every target fails", async () => {
    a.setAlwaysFault({ kind: "status", status: 503 });
    b.setAlwaysFault({ kind: "status", status: 429, headers: { "retry-after": "0" } });
    const res = await chat(fallbackConfig({ retry: { attempts: 1 } }));
    expect(res.status).toBe(429);
    expect(JSON.parse(res.text)).toMatchObject({ error: { code: "rate_limit_exceeded" } });
    expect(a.requests).toHaveLength(2);
    expect(b.requests).toHaveLength(2);
    expect(res.headers.get("x-portkey-retry-attempt-count")).toBe("-1");
    expect(res.headers.get("x-portkey-last-used-option-index")).toBe("config.targets[1]");
  });
});

describe("retries", () => {
  it("retries 429 (Retry-After) and 5xx on the same target, then reports the retry count", async () => {
    a.enqueueFaults({ kind: "status", status: 429, headers: { "retry-after": "0" } }, { kind: "status", status: 502 });
    const res = await chat({ ...target(a, KEY_A), retry: { attempts: 3 } });
    expect(res.status).toBe(200);
    expect(a.requests).toHaveLength(3);
    expect(res.headers.get("x-portkey-retry-attempt-count")).toBe("2");
    expect(res.headers.get("x-portkey-last-used-option-index")).toBe("config");
  });

  it("waits as long as Retry-After says before retrying", async () => {
    a.enqueueFaults({ kind: "status", status: 429, headers: { "retry-after": "1" } });
    const started = Date.now();
    const res = await chat({ ...target(a, KEY_A), retry: { attempts: 1 } });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("falls over to the next target once retries run out", async () => {
    a.setAlwaysFault({ kind: "status", status: 503 });
    const res = await chat(fallbackConfig({ retry: { attempts: 2 } }));
    expect(res.status).toBe(200);
    expect(a.requests).toHaveLength(3);
    expect(b.requests).toHaveLength(1);
    expect(res.headers.get("x-portkey-retry-attempt-count")).toBe("0");
  });

  it("stops retrying when the client disconnects", async () => {
    a.setAlwaysFault({ kind: "status", status: 503, headers: { "retry-after": "1" } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    await expect(chat(fallbackConfig({ retry: { attempts: 5 } }), { signal: controller.signal })).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 1500));
    expect(a.requests).toHaveLength(1);
    expect(b.requests).toHaveLength(0);
  });
});

describe("streams", () => {
  it("falls over before the first byte (503) and streams the second target's answer", async () => {
    a.enqueueFaults({ kind: "status", status: 503 });
    const res = await chat(fallbackConfig(), { stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    expect(sseText(res.text)).toBe("from B");
    expect(res.text.trimEnd().endsWith("data: [DONE]")).toBe(true);
  });

  it.each([
    ["stalls before its first event", { kind: "stall", afterEvents: 0 }],
    ["closes before its first event", { kind: "drop-stream", afterEvents: 0 }],
  ] as const)("falls over when the first stream %s", async (_name, fault) => {
    a.enqueueFaults(fault);
    const res = await chat(fallbackConfig({ request_timeout: 300 }), { stream: true });
    expect(res.status).toBe(200);
    expect(sseText(res.text)).toBe("from B");
    expect(res.headers.get("x-portkey-last-used-option-index")).toBe("config.targets[1]");
  });

  it("ends a stream that drops after the first byte with an SSE error event, without a second attempt", async () => {
    a.enqueueFaults({ kind: "drop-stream", afterEvents: 2 });
    const res = await chat(fallbackConfig(), { stream: true });
    expect(res.status).toBe(200);
    expect(res.text).toContain('"code":"stream_interrupted"');
    expect(sseText(res.text.replace(/data: \{"error".*\n\n/, ""))).toBe("from");
    expect(b.requests).toHaveLength(0);
  });
});

describe("loadbalance and request shaping", () => {
  it("spreads requests by weight (1:3 over 400 requests) and never to a weight-0 target", async () => {
    const config = {
      strategy: { mode: "loadbalance" },
      targets: [
        target(a, KEY_A, { weight: 1 }),
        target(b, KEY_B, { weight: 3 }),
        target(a, KEY_A, { weight: 0, override_params: { model: "never" } }),
      ],
    };
    for (let i = 0; i < 400; i += 20) await Promise.all(Array.from({ length: 20 }, () => chat(config)));
    const countA = a.requests.length;
    const countB = b.requests.length;
    expect(countA + countB).toBe(400);
    expect(a.requests.some((r) => r.json().model === "never")).toBe(false);
    const chi2 = (countA - 100) ** 2 / 100 + (countB - 300) ** 2 / 300;
    expect(chi2).toBeLessThan(10.83);
  });

  it("applies override_params and routes by metadata conditions", async () => {
    const config = {
      strategy: {
        mode: "conditional",
        conditions: [{ query: { "metadata.tier": { $eq: "pro" } }, ["then" as string]: "premium" }],
        default: "basic",
      },
      override_params: { temperature: 0 },
      targets: [
        { name: "basic", ...target(a, KEY_A) },
        { name: "premium", ...target(b, KEY_B, { override_params: { model: "gpt-4o" } }) },
      ],
    };
    const pro = await chat(config, { headers: { "x-portkey-metadata": JSON.stringify({ tier: "pro" }) } });
    const free = await chat(config, { headers: { "x-portkey-metadata": JSON.stringify({ tier: "free" }) } });
    expect(JSON.parse(pro.text).choices[0].message.content).toBe("from B");
    expect(JSON.parse(free.text).choices[0].message.content).toBe("from A");
    expect(b.requests[0]?.json()).toMatchObject({ model: "gpt-4o", temperature: 0 });
    expect(a.requests[0]?.json()).toMatchObject({ model: "gpt-4o-mini", temperature: 0 });
    expect(pro.headers.get("x-portkey-last-used-option-index")).toBe("config.targets[1]");
  });

  it("uses x-portkey-request-timeout per attempt and forwards the headers named by config and header", async () => {
    a.enqueueFaults({ kind: "slow", delayMs: 1500 });
    const res = await chat(
      { ...fallbackConfig(), forward_headers: ["x-tenant"] },
      {
        headers: {
          "x-portkey-request-timeout": "200",
          "x-portkey-forward-headers": "x-request-tag, x-portkey-api-key",
          "x-tenant": "acme",
          "x-request-tag": "t1",
        },
      },
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).choices[0].message.content).toBe("from B");
    expect(b.requests[0]?.headers).toMatchObject({ "x-tenant": "acme", "x-request-tag": "t1" });
    expect(b.requests[0]?.headers["x-portkey-api-key"]).toBeUndefined();
  });

  it("rejects an invalid config with a 400 naming the field, before any upstream call", async () => {
    const res = await chat({ strategy: { mode: "fallback" }, targets: [target(a, KEY_A, { weight: -2 })] });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error).toMatchObject({
      code: "invalid_config",
      message: expect.stringContaining("config.targets[0].weight: must be >= 0"),
    });
    expect(a.requests).toHaveLength(0);
  });
});

describe("killing one upstream mid-load", () => {
  it("never fails a request while a healthy target remains (200 requests, 25 in flight)", async () => {
    // Prepare: a throw-away first upstream that answers slowly, so requests are in flight when it dies
    const doomed = await startOpenAIFake({ apiKey: KEY_A, reply: () => "from doomed" });
    doomed.setAlwaysFault({ kind: "slow", delayMs: 30 });
    const config = { strategy: { mode: "fallback" }, targets: [target(doomed, KEY_A), target(b, KEY_B)] };
    const statuses: number[] = [];
    let issued = 0;
    let killed = false;

    // Act
    async function worker(): Promise<void> {
      while (issued < 200) {
        issued += 1;
        if (issued >= 100 && !killed) {
          killed = true;
          void doomed.close();
        }
        statuses.push((await chat(config)).status);
      }
    }
    await Promise.all(Array.from({ length: 25 }, worker));

    // Assess
    expect(statuses).toHaveLength(200);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(doomed.requests.length).toBeGreaterThan(50);
    expect(b.requests.length).toBeGreaterThan(50);
  });
});
