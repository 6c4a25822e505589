import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { Principal } from "../../shared/core/principal";
import { createGatewayCore } from "../../shared/gateway/core";
import { createHostGuard } from "../../shared/http/host-guard";
import type { CoreRequest } from "../../shared/http/types";
import type { UpstreamTransport } from "../../shared/http/upstream";
import { PromptResolver } from "../../shared/prompts/prompt-resolver";
import { defaultProviderRegistry } from "../../shared/providers/registry";
import { MemoryControlStore } from "../../shared/store/memory-control-store";
import { promptFixture } from "../contract/control-store-contract";
import { coreRequest } from "../support/core-http";

/**
 * A request with a deadline (on Lambda: the function timeout minus the time kept for the work after the answer)
 * ends there, whatever the routing config asks for: no attempt starts and no retry wait runs past it.
 */
function busyUpstream(retryAfterSeconds: number): UpstreamTransport & { calls: number } {
  const transport = {
    calls: 0,
    async send() {
      transport.calls += 1;
      return {
        status: 503,
        headers: { "content-type": "application/json", "retry-after": String(retryAfterSeconds) },
        body: Readable.from([
          Buffer.from('{"error":{"message":"busy","type":"server_error","param":null,"code":null}}'),
        ]),
      };
    },
    close: async () => undefined,
  };
  return transport;
}

function chat(deadline: number, config: unknown): CoreRequest {
  const headers = { "content-type": "application/json", "x-portkey-config": JSON.stringify(config) };
  const body = { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] };
  return { ...coreRequest("POST", "/v1/chat/completions", headers, body), deadline };
}

/** The gateway core over a fake transport: the default providers, custom hosts on loopback allowed. */
function coreOver(transport: UpstreamTransport, routing?: Parameters<typeof createGatewayCore>[0]["routing"]) {
  return createGatewayCore({
    providers: defaultProviderRegistry(),
    transport,
    hostGuard: createHostGuard("loopback"),
    streamIdleTimeoutMs: 10_000,
    ...(routing === undefined ? {} : { routing }),
  });
}

describe("a request's deadline", () => {
  it("cuts a retry wait short and starts no attempt after it (504 request_deadline_exceeded)", async () => {
    // Prepare: the upstream asks to retry in 5 s, the config allows it, the deadline is 300 ms away
    const transport = busyUpstream(5);
    const core = coreOver(transport, { timing: { baseDelayMs: 100, maxDelayMs: 10_000, maxTotalWaitMs: 10_000 } });
    const config = { retry: { attempts: 3 }, provider: "openai", api_key: "sk", custom_host: "http://127.0.0.1:9/v1" };
    const started = Date.now();

    // Act
    const res = await core(chat(Date.now() + 300, config));

    // Assess
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(res.status).toBe(504);
    expect(JSON.parse(String(res.body)).error).toMatchObject({
      type: "gateway_timeout",
      code: "request_deadline_exceeded",
    });
    expect(transport.calls).toBe(1);
  });

  it("is not reached by a request that ends before it", async () => {
    const transport = busyUpstream(0);
    const core = coreOver(transport);
    const config = { provider: "openai", api_key: "sk", custom_host: "http://127.0.0.1:9/v1" };

    const res = await core(chat(Date.now() + 60_000, config));

    expect(res.status).toBe(503);
  });

  it("holds for a prompt completion: the chat completion a prompt renders keeps the request's deadline", async () => {
    // Prepare: a saved prompt routed to its virtual key, and a request whose deadline has passed
    const store = new MemoryControlStore();
    await store.createPrompt(promptFixture("ws-1", "pp-hi"));
    const principal: Principal = {
      workspaceId: "ws-1",
      apiKeyId: "k1",
      scopes: new Set(["completions"]),
      isRoot: false,
    };
    const transport = busyUpstream(0);
    const core = createGatewayCore({
      providers: defaultProviderRegistry(),
      transport,
      hostGuard: createHostGuard("loopback"),
      streamIdleTimeoutMs: 10_000,
      authenticator: { authenticate: async () => principal },
      lookups: {
        virtualKeys: {
          list: async () => [],
          resolve: async () => ({
            provider: "openai",
            secret: { apiKey: "sk-vk" },
            options: { customHost: "http://127.0.0.1:9/v1" },
          }),
        },
        configs: { get: () => Promise.reject(new Error("no saved configs here")) },
      },
      prompts: new PromptResolver({ store }),
    });

    // Act
    const res = await core({
      ...chat(Date.now() - 1, {}),
      path: "/v1/prompts/pp-hi/completions",
      headers: { "content-type": "application/json" },
      body: Buffer.from(JSON.stringify({ variables: { name: "Ana" } })),
    });

    // Assess
    expect(res.status).toBe(504);
    expect(JSON.parse(String(res.body)).error).toMatchObject({ code: "request_deadline_exceeded" });
    expect(transport.calls).toBe(0);
  });
});
