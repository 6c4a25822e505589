import { afterAll, beforeAll, beforeEach } from "vitest";
import type { RequestSummary } from "../../shared/logging/request-summary";
import { startAnthropicFake } from "../fakes/anthropic-fake";
import type { FakeServer } from "../fakes/fake-server";
import { startOpenAIFake } from "../fakes/openai-fake";
import { startOpenAIResponsesFake } from "../fakes/openai-responses-fake";
import { openAIErrorBody, startOpenAIChatFake, startOpenAIWireFake } from "../fakes/openai-wire-fake";
import { startTestGateway, type TestGateway } from "./local-gateway";

/**
 * The set-up other people's clients (Vercel AI SDK, LangChain) are tested against: the local runtime with a log
 * observer, and fakes of OpenAI (chat completions, the Responses API, embeddings), Anthropic's Messages API and
 * an OpenAI-compatible provider (groq). A client reaches a provider as an app would: the provider key as its API
 * key, and the gateway key, the provider and (for the fakes) the custom host as headers.
 */
export type ClientProvider = "openai" | "anthropic" | "groq";
/** Which of the fakes' APIs a client's calls reach (OpenAI's are separate fakes, so separate hosts). */
export type UpstreamApi = "chat" | "responses" | "embeddings" | "messages";

export const PROVIDER_KEYS: Readonly<Record<ClientProvider, string>> = {
  openai: "sk-openai-client-fake",
  anthropic: "sk-ant-client-fake",
  groq: "gsk-client-fake",
};

export interface ClientUpstreams {
  readonly gateway: TestGateway;
  /** The gateway's `/v1`, every client's `baseURL`. */
  readonly baseURL: string;
  readonly fakes: Readonly<{
    openaiChat: FakeServer;
    openaiResponses: FakeServer;
    openaiEmbeddings: FakeServer;
    anthropic: FakeServer;
    groq: FakeServer;
  }>;
  /** The headers an app sends besides its provider key: gateway key, provider, custom host. */
  headers(provider: ClientProvider, api: UpstreamApi): Record<string, string>;
  /** The log summary of the test's `n`-th gateway request (written once the request is over). */
  logged(n?: number): Promise<RequestSummary>;
  /** Every log summary of the test so far. */
  readonly summaries: () => readonly RequestSummary[];
}

/** Registers the hooks of a test file: start all before, forget recorded requests before each test, stop after. */
export function useClientUpstreams(): ClientUpstreams {
  const all: RequestSummary[] = [];
  /** When the current test began: a summary of an earlier test's stream may be written after it. */
  let testStart = 0;
  const ofThisTest = () => all.filter((s) => s.startedAt >= testStart).sort((a, b) => a.startedAt - b.startedAt);
  const env = {} as { gateway: TestGateway; fakes: ClientUpstreams["fakes"] };

  beforeAll(async () => {
    const [gateway, openaiChat, openaiResponses, openaiEmbeddings, anthropic, groq] = await Promise.all([
      startTestGateway({ observer: { finish: (s) => all.push(s) } }),
      startOpenAIChatFake(PROVIDER_KEYS.openai),
      startOpenAIResponsesFake(PROVIDER_KEYS.openai, 1),
      startOpenAIFake({ apiKey: PROVIDER_KEYS.openai }),
      startAnthropicFake({ apiKey: PROVIDER_KEYS.anthropic, chunkDelayMs: 1 }),
      startOpenAIWireFake({
        name: "groq",
        apiKey: PROVIDER_KEYS.groq,
        credential: (h) => String(h.authorization ?? "").replace(/^Bearer /, ""),
        checkUrl: (url) => (url.pathname === "/openai/v1/chat/completions" ? undefined : `Invalid URL ${url.pathname}`),
        errorBody: openAIErrorBody,
        chunkDelayMs: 1,
      }),
    ]);
    env.gateway = gateway;
    env.fakes = { openaiChat, openaiResponses, openaiEmbeddings, anthropic, groq };
  });
  afterAll(async () => {
    await env.gateway?.stop();
    await Promise.all(Object.values(env.fakes ?? {}).map((f) => f.close()));
  });
  beforeEach(() => {
    for (const fake of Object.values(env.fakes)) fake.reset();
    testStart = Date.now();
  });

  function host(provider: ClientProvider, api: UpstreamApi): string {
    const { fakes } = env;
    if (provider === "anthropic") return `${fakes.anthropic.origin}/v1`;
    if (provider === "groq") return `${fakes.groq.origin}/openai/v1`;
    const fake =
      api === "responses" ? fakes.openaiResponses : api === "embeddings" ? fakes.openaiEmbeddings : fakes.openaiChat;
    return `${fake.origin}/v1`;
  }

  return {
    get gateway() {
      return env.gateway;
    },
    get baseURL() {
      return `${env.gateway.url}/v1`;
    },
    get fakes() {
      return env.fakes;
    },
    headers: (provider, api) => ({
      "x-portkey-api-key": env.gateway.apiKey,
      "x-portkey-provider": provider,
      "x-portkey-custom-host": host(provider, api),
    }),
    async logged(n = 0) {
      for (let i = 0; i < 100 && ofThisTest().length <= n; i++) await new Promise((r) => setTimeout(r, 20));
      const summary = ofThisTest()[n];
      if (!summary) throw new Error(`no log summary #${n} for this test`);
      return summary;
    },
    summaries: ofThisTest,
  };
}
