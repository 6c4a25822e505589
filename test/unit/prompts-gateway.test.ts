import { describe, expect, it } from "vitest";
import { PermissionError } from "../../shared/core/errors";
import type { Authenticator, Principal, Scope } from "../../shared/core/principal";
import type { CoreHandler, CoreRequest, CoreResponse } from "../../shared/http/types";
import { PromptResolver } from "../../shared/prompts/prompt-resolver";
import { withPrompts } from "../../shared/prompts/with-prompts";
import { MemoryControlStore } from "../../shared/store/memory-control-store";
import type { SavedPrompt } from "../../shared/store/types";
import { promptFixture } from "../contract/control-store-contract";
import { coreRequest } from "../support/core-http";

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

/** A gateway core that records what it was asked and answers a fixed JSON body. */
function recordingCore(): CoreHandler & { seen: CoreRequest[] } {
  const seen: CoreRequest[] = [];
  const core = async (req: CoreRequest): Promise<CoreResponse> => {
    seen.push(req);
    return { status: 200, headers: { "content-type": "application/json", "x-portkey-provider": "openai" }, body: "{}" };
  };
  return Object.assign(core, { seen });
}

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

async function setup(template = "Hi {{name}}") {
  const store = countingStore();
  await store.createPrompt(promptFixture(WS, "pp-hi", template));
  const core = recordingCore();
  const authenticator = fakeAuthenticator();
  const handler = withPrompts(core, { authenticator, prompts: new PromptResolver({ store }) });
  return { store, core, authenticator, handler };
}

describe("withPrompts", () => {
  it("passes every other request to the gateway core untouched", async () => {
    // Prepare
    const { core, handler, authenticator } = await setup();
    const chat = request("/v1/chat/completions", { model: "x" });
    // Act
    await handler(chat);
    // Assess
    expect(core.seen).toEqual([chat]);
    expect(core.seen[0]).toBe(chat);
    expect(authenticator.scopes).toEqual([]);
  });

  it("runs completions as a chat completion: prompt parameters under overrides, vk header, metadata, no stale length", async () => {
    // Prepare
    const { core, handler, authenticator } = await setup();
    // Act
    const res = await handler(
      request(
        "/v1/prompts/pp-hi/completions",
        { variables: { name: "Ana" }, max_tokens: 5, messages: [{ role: "assistant", content: "earlier" }] },
        { "x-portkey-metadata": '{"team":"a"}', "x-portkey-trace-id": "t-1" },
      ),
    );
    // Assess
    expect(authenticator.scopes).toEqual(["completions"]);
    expect(res.headers).toMatchObject({ "x-portkey-prompt-id": "pp-hi", "x-portkey-prompt-version": "1" });
    const sent = core.seen[0] as CoreRequest;
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

  it.each<[Record<string, string>, Record<string, unknown>]>([
    [{ "x-portkey-config": "pc-routing" }, {}],
    [{ "x-portkey-virtual-key": "mine" }, {}],
    [{ "x-portkey-provider": "openai" }, {}],
    [{}, { model: "@other/gpt-4o" }],
  ])("leaves routing to the request when it names its own (%j %j)", async (headers, body) => {
    // Prepare
    const { core, handler } = await setup();
    // Act
    await handler(request("/v1/prompts/pp-hi/completions", { variables: { name: "x" }, ...body }, headers));
    // Assess
    expect((core.seen[0] as CoreRequest).headers["x-portkey-virtual-key"]).toBe(headers["x-portkey-virtual-key"]);
  });

  it("answers errors in the OpenAI shape: 404 unknown prompt, 405 wrong method, 400 bad variables", async () => {
    // Prepare
    const { core, handler } = await setup();
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
    expect(core.seen).toHaveLength(0);
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
    const store = new MemoryControlStore();
    await store.createPrompt(promptFixture(WS, "pp-hi"));
    const handler = withPrompts(recordingCore(), {
      authenticator: fakeAuthenticator("ws-other"),
      prompts: new PromptResolver({ store }),
    });
    // Act
    const res = await handler(request("/v1/prompts/pp-hi/render", { variables: { name: "x" } }));
    // Assess
    expect(res.status).toBe(404);
  });
});
