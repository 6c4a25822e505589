import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { useGatewayWithUpstream } from "../support/local-gateway";

/**
 * Request validation through the local runtime with the unmodified `openai` client: a body that breaks its
 * endpoint's rules is an `OpenAI.BadRequestError` naming the `param`, and the provider is never called; fields the
 * gateway does not know pass through to the provider as sent.
 */
const PROVIDER_KEY = "sk-validation-provider-key";

describe("request validation with the openai SDK", () => {
  const env = useGatewayWithUpstream({ providerKey: PROVIDER_KEY, name: "validated" });

  function client(): OpenAI {
    return new OpenAI({
      apiKey: env.gateway.apiKey,
      baseURL: `${env.gateway.url}/v1`,
      maxRetries: 0,
      timeout: 10_000,
      defaultHeaders: { "x-portkey-api-key": env.gateway.apiKey, "x-portkey-virtual-key": env.slug },
    });
  }

  /** What the SDK throws for a call, or undefined when it succeeded. */
  async function thrown(call: Promise<unknown>): Promise<unknown> {
    try {
      await call;
      return undefined;
    } catch (err) {
      return err;
    }
  }

  it.each([
    {
      name: "an unknown role",
      params: {
        messages: [
          { role: "user", content: "hi" },
          { role: "wizard", content: "abracadabra" },
        ],
      },
      param: "messages[1].role",
      code: "invalid_value",
    },
    { name: "no messages", params: { messages: undefined }, param: "messages", code: "missing_required_parameter" },
    { name: "a string stream flag", params: { stream: "yes" }, param: "stream", code: "invalid_type" },
    { name: "a fractional max_tokens", params: { max_tokens: 10.5 }, param: "max_tokens", code: "invalid_type" },
  ])("$name is a BadRequestError naming $param, and the provider is not called", async ({ params, param, code }) => {
    // Prepare: the SDK's types would refuse these; a client in another language would not
    const body = { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], ...params };

    // Act
    const err = await thrown(client().chat.completions.create(body as unknown as OpenAI.ChatCompletionCreateParams));

    // Assess
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const bad = err as InstanceType<typeof OpenAI.BadRequestError>;
    expect(bad.status).toBe(400);
    expect(bad.param).toBe(param);
    expect(bad.code).toBe(code);
    expect(bad.type).toBe("invalid_request_error");
    expect(env.fake.requests).toHaveLength(0);
  });

  it("passes fields the gateway does not declare through to the provider, as sent", async () => {
    // Prepare: a vendor field, and a declared field the SDK sends as null
    const params = {
      model: "gpt-4o-mini",
      messages: [
        { role: "developer" as const, content: "be brief" },
        { role: "user" as const, content: "hello" },
      ],
      max_tokens: 20,
      n: null,
      vendor_extension: { mode: "turbo", levels: [1, 2] },
    };

    // Act
    const answer = await client().chat.completions.create(params as OpenAI.ChatCompletionCreateParamsNonStreaming);

    // Assess
    expect(answer.choices[0]?.message.content).toBe("You said: hello");
    expect(env.fake.requests).toHaveLength(1);
    const sent = JSON.parse(String(env.fake.requests[0]?.body)) as Record<string, unknown>;
    expect(sent.vendor_extension).toEqual({ mode: "turbo", levels: [1, 2] });
    expect(sent.max_tokens).toBe(20);
  });

  it("refuses the other endpoints' bodies without their required fields (embeddings without input)", async () => {
    const err = await thrown(
      client().embeddings.create({ model: "text-embedding-3-small" } as OpenAI.EmbeddingCreateParams),
    );
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("input");
    expect(env.fake.requests).toHaveLength(0);
  });

  it("refuses a body that is not valid UTF-8 with a 400 in OpenAI's error shape", async () => {
    // Prepare: a Latin-1 encoded "café" in an otherwise valid JSON body
    const body = Buffer.from('{"model":"gpt-4o-mini","messages":[{"role":"user","content":"caf\u00e9"}]}', "latin1");

    // Act
    const res = await fetch(`${env.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-portkey-api-key": env.gateway.apiKey,
        "x-portkey-virtual-key": env.slug,
      },
      body,
      signal: AbortSignal.timeout(10_000),
    });

    // Assess
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: Record<string, unknown> }).error).toMatchObject({
      type: "invalid_request_error",
      code: "invalid_encoding",
    });
    expect(env.fake.requests).toHaveLength(0);
  });
});
