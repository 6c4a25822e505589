import { describe, expect, it } from "vitest";
import { createGatewayCore } from "../../shared/gateway/core";
import { createHostGuard } from "../../shared/http/host-guard";
import { openAICompatible } from "../../shared/providers/openai-compatible";
import {
  defaultProviderRegistry,
  ProviderLoadError,
  ProviderRegistry,
  providerOnDemand,
} from "../../shared/providers/registry";
import { bodyText, coreRequest } from "../support/core-http";
import { recordingTransport } from "../support/recording-transport";

/**
 * Providers on demand (ADR 0044): the registry knows every provider's id at cold start and loads a provider's
 * module with its first request. An unknown id is the same 400 as before; a module that fails to load is a 500 in
 * OpenAI's error shape with nothing sent upstream, and the next request tries again.
 */

async function chat(registry: ProviderRegistry, provider: string) {
  const transport = recordingTransport("m");
  const handler = createGatewayCore({
    providers: registry,
    transport,
    hostGuard: createHostGuard("loopback"),
    streamIdleTimeoutMs: 10_000,
  });
  const headers = {
    "content-type": "application/json",
    "x-portkey-provider": provider,
    "x-portkey-custom-host": "http://127.0.0.1:9/v1",
    authorization: "Bearer sk-test",
  };
  const body = { model: "m", messages: [{ role: "user", content: "hi" }] };
  const res = await handler(coreRequest("POST", "/v1/chat/completions", headers, body));
  return { status: res.status, body: JSON.parse(await bodyText(res)) as Record<string, unknown>, sent: transport.sent };
}

describe("providers on demand", () => {
  it("knows every provider before loading any: an unknown one is the same 400 naming them all", async () => {
    // Prepare
    const registry = defaultProviderRegistry();

    // Act
    const { status, body, sent } = await chat(registry, "no-such-provider");

    // Assess
    expect(status).toBe(400);
    expect(body).toEqual({
      error: {
        message: `Unknown provider "no-such-provider". Known providers: ${registry.ids().join(", ")}.`,
        type: "invalid_request_error",
        param: "provider",
        code: "unknown_provider",
      },
    });
    expect(registry.ids()).toEqual(expect.arrayContaining(["openai", "anthropic", "bedrock", "vertex-ai", "voyage"]));
    expect(sent).toEqual([]);
  });

  it("answers a module that fails to load with a 500 in OpenAI's shape, sends nothing, and loads it next time", async () => {
    // Prepare: a provider whose first import fails (a passing fault), the second succeeds
    let imports = 0;
    const flaky = providerOnDemand("flaky", async () => {
      imports += 1;
      if (imports === 1) throw new Error("Cannot find module 'chunks/flaky-X.mjs'");
      return openAICompatible({ id: "flaky", baseUrl: "https://api.flaky.example/v1" });
    });
    const registry = new ProviderRegistry([flaky]);

    // Act
    const first = await chat(registry, "flaky");
    const second = await chat(registry, "flaky");

    // Assess: the module's path stays out of the answer
    expect(first.status).toBe(500);
    expect(first.body).toEqual({
      error: {
        message: 'The gateway could not load provider "flaky"; nothing was sent upstream.',
        type: "gateway_internal_error",
        param: null,
        code: "provider_unavailable",
      },
    });
    expect(first.sent).toEqual([]);
    expect(second.status).toBe(200);
    expect(second.sent.map((r) => r.url)).toEqual(["http://127.0.0.1:9/v1/chat/completions"]);
    expect(imports).toBe(2);
  });

  it("refuses a module that declares another provider's id", async () => {
    // Prepare
    const registry = new ProviderRegistry([
      providerOnDemand("left", async () => openAICompatible({ id: "right", baseUrl: "https://right.example/v1" })),
    ]);

    // Act
    const err = await registry.load("left").catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(ProviderLoadError);
    expect(String((err as Error).cause)).toContain('declares "right"');
  });

  it("loads each provider of the default registry once, under its own id", async () => {
    // Prepare
    const registry = defaultProviderRegistry();

    // Act
    const adapters = await Promise.all(registry.ids().map((id) => registry.load(id)));
    const again = await registry.load("anthropic");

    // Assess
    expect(adapters.map((a) => a.id)).toEqual(registry.ids());
    expect(again).toBe(registry.get("anthropic"));
  });
});
