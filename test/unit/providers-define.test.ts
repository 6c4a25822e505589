import { describe, expect, it } from "vitest";
import type { Endpoint } from "../../shared/core/endpoints";
import { defineProvider, type EndpointTransforms } from "../../shared/providers/define-provider";
import { SsePassThrough } from "../../shared/providers/sse-usage-scanner";
import type { TransformContext } from "../../shared/providers/types";

/** `defineProvider`: a provider is its endpoints' transforms; the table decides the rest once, at definition. */
function transforms(name: string, withStream = false): EndpointTransforms {
  return {
    toRequest: () => ({ url: `https://upstream.example/${name}`, method: "POST", headers: {} }),
    fromResponse: (_status, body) => ({ body, contentType: `application/x-${name}` }),
    ...(withStream ? { stream: () => new SsePassThrough() } : {}),
  };
}

function ctx(endpoint: Endpoint, body: Record<string, unknown> = {}): TransformContext {
  return { endpoint, target: { provider: "p" }, body, rawBody: Buffer.alloc(0), bodyChanged: false };
}

const mapError = () => ({ error: { message: "m", type: "t", param: null, code: null } });

describe("defineProvider", () => {
  it("runs each endpoint's own transforms", () => {
    // Prepare
    // (without the chat layer's endpoints, which every chat provider also serves: via-chat.test.ts)
    const provider = defineProvider(
      { id: "p", endpoints: { chat: transforms("chat", true), embeddings: transforms("embeddings") }, mapError },
      {},
      {},
    );

    // Act
    const chat = provider.toRequest(ctx("chat"));
    const embeddings = provider.fromResponse(200, Buffer.from("{}"), ctx("embeddings"));

    // Assess
    expect(chat.url).toBe("https://upstream.example/chat");
    expect(embeddings.contentType).toBe("application/x-embeddings");
    expect([...provider.endpoints].filter((e) => !provider.viaChat.has(e))).toEqual(["chat", "embeddings"]);
  });

  it("streams `stream: true` only where the row has a streamed form and the provider translates it", () => {
    // Prepare: chat streams; completions has a streamed form the provider does not translate
    const provider = defineProvider({
      id: "p",
      endpoints: { chat: transforms("chat", true), completions: transforms("completions") },
      mapError,
    });

    // Act / Assess
    expect(provider.isStreaming(ctx("chat", { stream: true }))).toBe(true);
    expect(provider.isStreaming(ctx("chat", { stream: "true" }))).toBe(false);
    expect(provider.isStreaming(ctx("completions", { stream: true }))).toBe(false);
    expect(() => provider.createStreamTranslator(ctx("completions"))).toThrow(
      "Provider p does not stream /v1/completions.",
    );
  });

  it("refuses, at definition, a stream transform for an endpoint without a streamed form", () => {
    expect(() => defineProvider({ id: "p", endpoints: { embeddings: transforms("e", true) }, mapError })).toThrow(
      "Provider p: /v1/embeddings has no streamed form, so it takes no stream transform.",
    );
  });

  it("refuses, at definition, an endpoint the table does not declare, and a provider without endpoints", () => {
    const endpoints = { chat: transforms("chat"), batches: transforms("batches") } as Record<
      string,
      EndpointTransforms
    >;
    expect(() => defineProvider({ id: "p", endpoints, mapError })).toThrow(
      'Provider p: "batches" is not a data-plane endpoint (shared/core/endpoints.ts).',
    );
    expect(() => defineProvider({ id: "p", endpoints: {}, mapError })).toThrow("Provider p serves no endpoint.");
  });
});
