import { describe, expect, it, vi } from "vitest";
import { PermissionError } from "../../shared/core/errors";
import type { Authenticator, Principal, Scope } from "../../shared/core/principal";
import { createGatewayCore } from "../../shared/gateway/core";
import { RequestRun } from "../../shared/gateway/request-run";
import { createPromptsStep } from "../../shared/gateway/steps/prompts-step";
import type { WorkspaceLookups } from "../../shared/gateway/workspace-resolution";
import { createHostGuard } from "../../shared/http/host-guard";
import type { CoreRequest } from "../../shared/http/types";
import type { RequestSummary } from "../../shared/logging/request-summary";
import { PromptResolver } from "../../shared/prompts/prompt-resolver";
import { defaultProviderRegistry } from "../../shared/providers/registry";
import { MemoryControlStore } from "../../shared/store/memory-control-store";
import type { SavedPrompt } from "../../shared/store/types";
import { promptFixture } from "../contract/control-store-contract";
import { coreRequest } from "../support/core-http";
import { recordingTransport } from "../support/recording-transport";

const WS = "ws-prompts";

function principal(workspaceId: string): Principal {
  return { workspaceId, apiKeyId: "k1", scopes: new Set<Scope>(["completions"]), isRoot: false };
}

/** Authenticates every request into `workspaceId` and records the scope asked for. */
function fakeAuthenticator(workspaceId = WS): Authenticator & { scopes: Scope[] } {
  const scopes: Scope[] = [];
  return {
    scopes,
    async authenticate(_req, scope) {
      scopes.push(scope);
      if (scope !== "completions") throw new PermissionError("wrong scope");
      return principal(workspaceId);
    },
  };
}

/** The workspace's virtual keys: each slug names an OpenAI key on a loopback host of its own. */
const lookups: WorkspaceLookups = {
  virtualKeys: {
    list: async () => [],
    resolve: async (_ws, slug) => ({
      provider: "openai",
      secret: { apiKey: `sk-${slug}` },
      options: { customHost: `http://127.0.0.1:9/${slug}/v1` },
    }),
  },
  configs: {
    get: async () => ({ version: 1, config: { virtual_key: "from-config" } }),
  },
};

function request(path: string, body: unknown, headers: Record<string, string> = {}, method = "POST"): CoreRequest {
  return coreRequest(method, path, { "content-type": "application/json", "content-length": "999", ...headers }, body);
}

/** A store whose prompt reads are counted. */
function countingStore(): MemoryControlStore & { reads: number } {
  const store = new MemoryControlStore() as MemoryControlStore & { reads: number };
  store.reads = 0;
  const getPrompt = store.getPrompt.bind(store);
  store.getPrompt = async (ws: string, slug: string): Promise<SavedPrompt | undefined> => {
    store.reads++;
    return getPrompt(ws, slug);
  };
  return store;
}

async function setup(template = "Hi {{name}}", workspaceId = WS) {
  const store = countingStore();
  await store.createPrompt(promptFixture(WS, "pp-hi", template));
  const transport = recordingTransport();
  const authenticator = fakeAuthenticator(workspaceId);
  const summaries: RequestSummary[] = [];
  const handler = createGatewayCore({
    providers: defaultProviderRegistry(),
    transport,
    hostGuard: createHostGuard("loopback"),
    streamIdleTimeoutMs: 10_000,
    authenticator,
    lookups,
    prompts: new PromptResolver({ store }),
    observer: { finish: (summary) => summaries.push(summary) },
  });
  return { store, transport, authenticator, handler, summaries };
}

/** The chat completion the prompts step turns a prompt call into (what the following steps run). */
async function rewritten(req: CoreRequest): Promise<CoreRequest> {
  const { store } = await setup();
  const step = createPromptsStep({ authenticator: fakeAuthenticator(), prompts: new PromptResolver({ store }) });
  const run = new RequestRun({ steps: [step], logBodies: true }, req);
  expect(await step.before?.(run)).toBeUndefined();
  return run.req;
}

describe("the prompts step", () => {
  it("leaves every other request to the following steps: one authentication, the body sent as sent", async () => {
    // Prepare
    const { transport, handler, authenticator, summaries } = await setup();
    const chat = request(
      "/v1/chat/completions",
      { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] },
      { "x-portkey-virtual-key": "mine" },
    );
    // Act
    const res = await handler(chat);
    // Assess
    expect(res.status).toBe(200);
    expect(res.headers).not.toHaveProperty("x-portkey-prompt-id");
    expect(authenticator.scopes).toEqual(["completions"]);
    expect(transport.sent.map((sent) => JSON.parse(String(sent.body)))).toEqual([JSON.parse(chat.body.toString())]);
    await vi.waitFor(() => expect(summaries).toHaveLength(1));
  });

  it("runs completions as a chat completion: prompt parameters under overrides, vk header, metadata, no stale length", async () => {
    // Prepare
    const req = request(
      "/v1/prompts/pp-hi/completions",
      { variables: { name: "Ana" }, max_tokens: 5, messages: [{ role: "assistant", content: "earlier" }] },
      { "x-portkey-metadata": '{"team":"a"}', "x-portkey-trace-id": "t-1" },
    );
    // Act
    const sent = await rewritten(req);
    // Assess
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.headers).toMatchObject({ "x-portkey-virtual-key": "openai-main", "x-portkey-trace-id": "t-1" });
    expect(sent.headers).not.toHaveProperty("content-length");
    expect(JSON.parse(sent.headers["x-portkey-metadata"] as string)).toEqual({
      prompt_id: "pp-hi",
      prompt_version: "1",
      team: "a",
    });
    expect(JSON.parse(sent.body.toString())).toEqual({
      temperature: 0.2,
      max_tokens: 5,
      model: "gpt-4o-mini",
      messages: [
        { role: "user", content: "Hi Ana" },
        { role: "assistant", content: "earlier" },
      ],
    });
  });

  it("runs the rendered chat completion through the gateway, authenticated once, logged once, naming the prompt", async () => {
    // Prepare
    const { transport, handler, authenticator, summaries } = await setup();
    // Act
    const res = await handler(
      request(
        "/v1/prompts/pp-hi/completions",
        { variables: { name: "Ana" } },
        { "x-portkey-metadata": '{"team":"a"}', "x-portkey-trace-id": "t-1" },
      ),
    );
    // Assess
    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({
      "x-portkey-prompt-id": "pp-hi",
      "x-portkey-prompt-version": "1",
      "x-portkey-trace-id": "t-1",
    });
    expect(authenticator.scopes).toEqual(["completions"]);
    expect(transport.sent.map((sent) => sent.url)).toEqual(["http://127.0.0.1:9/openai-main/v1/chat/completions"]);
    expect(JSON.parse(String(transport.sent[0]?.body))).toMatchObject({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Hi Ana" }],
    });
    await vi.waitFor(() => expect(summaries).toHaveLength(1));
    expect(summaries[0]).toMatchObject({
      endpoint: "chat",
      traceId: "t-1",
      virtualKey: "openai-main",
      metadata: { prompt_id: "pp-hi", prompt_version: "1", team: "a" },
    });
  });

  it.each<[Record<string, string>, Record<string, unknown>]>([
    [{ "x-portkey-config": "pc-routing" }, {}],
    [{ "x-portkey-virtual-key": "mine" }, {}],
    [{ "x-portkey-provider": "openai" }, {}],
    [{}, { model: "@other/gpt-4o" }],
  ])("leaves routing to the request when it names its own (%j %j)", async (headers, body) => {
    // Act
    const sent = await rewritten(
      request("/v1/prompts/pp-hi/completions", { variables: { name: "x" }, ...body }, headers),
    );
    // Assess
    expect(sent.headers["x-portkey-virtual-key"]).toBe(headers["x-portkey-virtual-key"]);
  });

  it("answers errors in the OpenAI shape: 404 unknown prompt, 405 wrong method, 400 bad variables", async () => {
    // Prepare
    const { transport, handler, summaries } = await setup();
    // Act
    const results = await Promise.all([
      handler(request("/v1/prompts/pp-nope/render", { variables: {} })),
      handler(request("/v1/prompts/pp-hi@7/render", { variables: { name: "x" } })),
      handler(request("/v1/prompts/pp-hi/render", {}, {}, "GET")),
      handler(request("/v1/prompts/pp-hi/render", { variables: ["x"] })),
      handler(request("/v1/prompts/pp-hi/other", {})),
    ]);
    // Assess
    expect(results.map((r) => r.status)).toEqual([404, 404, 405, 400, 404]);
    expect(JSON.parse(String(results[0]?.body))).toMatchObject({ error: { code: "prompt_not_found" } });
    expect(transport.sent).toHaveLength(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(summaries).toHaveLength(0); // prompt calls that fail before the chat completion are not logged
  });

  it("reads and compiles a prompt once per TTL, however many requests use it", async () => {
    // Prepare
    const { store, handler } = await setup();
    // Act
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => handler(request("/v1/prompts/pp-hi/render", { variables: { name: i } }))),
    );
    // Assess
    expect(answers.map((a) => JSON.parse(String(a.body)).data.messages[0].content)).toEqual(
      Array.from({ length: 20 }, (_, i) => `Hi ${i}`),
    );
    expect(store.reads).toBe(1);
  });

  it("isolates workspaces: the same slug in another workspace is a 404", async () => {
    // Prepare
    const { handler } = await setup("Hi {{name}}", "ws-other");
    // Act
    const res = await handler(request("/v1/prompts/pp-hi/render", { variables: { name: "x" } }));
    // Assess
    expect(res.status).toBe(404);
  });
});
