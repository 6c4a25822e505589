import OpenAI from "openai";
import { Portkey } from "portkey-ai";
import { beforeEach, describe, expect, it } from "vitest";
import { FAKE_MODELS, type OpenAIFake, startOpenAIFake } from "../fakes/openai-fake";
import { startTestGateway, type TestGateway } from "../support/local-gateway";
import { useStarted } from "../support/started";

/**
 * `GET /v1/models` with the gateway key alone is the catalog of the models behind the workspace's virtual keys
 * (docs/models.md): ids that route as `@slug/model`, prices and context windows from the price table. With a
 * provider chosen by header, it is the upstream's own list, as before. Real `openai` and `portkey-ai` SDKs.
 */
const PROVIDER_KEY = "sk-catalog-provider";

let fake: OpenAIFake;
let gateway: TestGateway;
let openaiSlug: string;
let anthropicSlug: string;

useStarted(async () => {
  fake = await startOpenAIFake({ apiKey: PROVIDER_KEY });
  gateway = await startTestGateway();
  openaiSlug = await gateway.createVirtualKey({ name: "openai", key: PROVIDER_KEY, custom_host: fake.baseUrl });
  anthropicSlug = await gateway.createVirtualKey({
    name: "claude",
    provider: "anthropic",
    key: "sk-ant-unused",
    custom_host: fake.origin,
  });
  // no price table for huggingface: the key adds nothing to the catalog
  await gateway.createVirtualKey({
    name: "hf",
    provider: "huggingface",
    key: "hf-unused",
    custom_host: fake.origin,
  });
  return [fake, gateway];
});
beforeEach(() => fake.reset());

function gatewayClient(headers: Record<string, string> = {}): OpenAI {
  return new OpenAI({ apiKey: gateway.apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0, defaultHeaders: headers });
}

async function listedIds(client: OpenAI): Promise<string[]> {
  const ids: string[] = [];
  for await (const model of client.models.list()) ids.push(model.id);
  return ids;
}

describe("GET /v1/models with the gateway key alone: the workspace's catalog", () => {
  it("lists the priced models of every virtual key as @slug/model, with pricing and context window", async () => {
    // Act
    const page = await gatewayClient().models.list();
    const ids = await listedIds(gatewayClient());

    // Assess
    expect(ids).toContain(`@${openaiSlug}/gpt-4o-mini`);
    expect(ids).toContain(`@${anthropicSlug}/claude-sonnet-4-5`);
    expect(ids.every((id) => id.startsWith(`@${openaiSlug}/`) || id.startsWith(`@${anthropicSlug}/`))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const mini = page.data.find((m) => m.id === `@${openaiSlug}/gpt-4o-mini`);
    expect(mini).toMatchObject({
      object: "model",
      owned_by: "openai",
      provider: "openai",
      virtual_key: openaiSlug,
      model: "gpt-4o-mini",
      pricing: { currency: "USD", unit: "1M tokens", input: 0.15, output: 0.6, cache_read: 0.075 },
      context_window: 128_000,
    });
    expect(Number.isInteger(mini?.created)).toBe(true);
    const sonnet = page.data.find((m) => m.id === `@${anthropicSlug}/claude-sonnet-4-5`);
    expect(sonnet).toMatchObject({ pricing: { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 } });
    expect(fake.requests).toHaveLength(0);
  });

  it("a listed id routes: chat with it and the gateway key reaches the virtual key's upstream", async () => {
    // Prepare
    const client = gatewayClient();
    const ids = await listedIds(client);
    const id = ids.find((m) => m === `@${openaiSlug}/gpt-4o-mini`) ?? "";

    // Act
    const res = await client.chat.completions.create({ model: id, messages: [{ role: "user", content: "hi" }] });

    // Assess
    expect(res.choices[0]?.message.content).toBe("You said: hi");
    expect(fake.requests.map((r) => r.json().model)).toEqual(["gpt-4o-mini"]);
  });

  it("models.retrieve finds one model by its @slug/model id (the SDK sends its slash as %2F)", async () => {
    // Act
    const model = await gatewayClient().models.retrieve(`@${anthropicSlug}/claude-haiku-4-5`);

    // Assess
    expect(model).toMatchObject({
      id: `@${anthropicSlug}/claude-haiku-4-5`,
      object: "model",
      provider: "anthropic",
      context_window: 200_000,
    });
  });

  it("models.retrieve of an id the catalog lacks is OpenAI's 404 model_not_found", async () => {
    // Act
    const err = await gatewayClient()
      .models.retrieve(`@${openaiSlug}/no-such-model`)
      .catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found");
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).param).toBe("model");
  });

  it("a virtual key created after a listing shows in the next one (same process)", async () => {
    // Prepare
    const before = await listedIds(gatewayClient());
    const slug = await gateway.createVirtualKey({
      name: "mistral",
      provider: "mistral-ai",
      key: "unused",
      custom_host: fake.origin,
    });

    // Act
    const after = await listedIds(gatewayClient());

    // Assess
    expect(before.some((id) => id.startsWith(`@${slug}/`))).toBe(false);
    expect(after).toContain(`@${slug}/mistral-large`);
  });

  it("the portkey-ai SDK lists and retrieves the same catalog", async () => {
    // Prepare
    const portkey = new Portkey({ apiKey: gateway.apiKey, baseURL: `${gateway.url}/v1` });

    // Act
    const list = await portkey.models.list();
    const one = await portkey.models.retrieve(`@${openaiSlug}/gpt-4o`);

    // Assess
    expect(list.data?.map((m: { id: string }) => m.id)).toContain(`@${openaiSlug}/gpt-4o`);
    expect(one).toMatchObject({ id: `@${openaiSlug}/gpt-4o`, virtual_key: openaiSlug });
  });
});

describe("GET /v1/models with a provider chosen by header: the upstream's own list, unchanged", () => {
  it("x-portkey-provider with the provider key and a custom host", async () => {
    // Prepare
    const client = new OpenAI({
      apiKey: PROVIDER_KEY,
      baseURL: `${gateway.url}/v1`,
      maxRetries: 0,
      defaultHeaders: {
        "x-portkey-api-key": gateway.apiKey,
        "x-portkey-provider": "openai",
        "x-portkey-custom-host": fake.baseUrl,
      },
    });

    // Act
    const ids = await listedIds(client);
    const one = await client.models.retrieve("gpt-4o-mini");

    // Assess
    expect(ids).toEqual(FAKE_MODELS.map((m) => m.id));
    expect(one).toEqual(FAKE_MODELS[0]);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /v1/models", "GET /v1/models/gpt-4o-mini"]);
  });

  it("x-portkey-virtual-key", async () => {
    // Act
    const ids = await listedIds(gatewayClient({ "x-portkey-virtual-key": openaiSlug }));

    // Assess
    expect(ids).toEqual(FAKE_MODELS.map((m) => m.id));
  });

  it("a config with one target", async () => {
    // Prepare
    const portkey = new Portkey({
      apiKey: gateway.apiKey,
      baseURL: `${gateway.url}/v1`,
      config: { virtual_key: openaiSlug },
    });

    // Act
    const list = await portkey.models.list();

    // Assess
    expect(list.data?.map((m: { id: string }) => m.id)).toEqual(FAKE_MODELS.map((m) => m.id));
  });
});
