import { describe, expect, it } from "vitest";
import { defineProvider, type EndpointTransforms } from "../../shared/providers/define-provider";
import type { ChatProtocol } from "../../shared/providers/protocols/chat-protocol";
import type { StreamTranslator, TransformContext, UpstreamRequest } from "../../shared/providers/types";

/**
 * The chat translation layer: an endpoint with a registered protocol is served by every chat provider that does
 * not declare it, through the provider's own chat transforms. Here `completions` stands in for such an endpoint.
 */
const upperCase: ChatProtocol = {
  toChat: (body) => ({ model: body.model, messages: [{ role: "user", content: body.prompt }], stream: body.stream }),
  fromChat: (chat) => ({ ...chat, body: `wrapped:${chat.body as string}` }),
  streamFromChat: (chat) => ({
    push: (chunk) => String(chat.push(chunk)).toUpperCase(),
    end: () => String(chat.end()).toUpperCase(),
    get usage() {
      return chat.usage;
    },
    get model() {
      return chat.model;
    },
    get finished() {
      return chat.finished;
    },
  }),
};

function echoStream(): StreamTranslator {
  return {
    push: (chunk) => `data: ${chunk.toString()}\n\n`,
    end: () => "data: [DONE]\n\n",
    usage: undefined,
    model: "m",
    finished: true,
  };
}

const chatTransforms: EndpointTransforms = {
  toRequest: (ctx) => ({
    url: `https://up/${ctx.endpoint}`,
    method: "POST",
    headers: {},
    body: JSON.stringify(ctx.body),
  }),
  fromResponse: (_status, body) => ({ body: body.toString(), contentType: "application/json" }),
  stream: () => echoStream(),
};

const signedWith: TransformContext[] = [];
const errorsWith: TransformContext[] = [];
function provider(endpoints: Parameters<typeof defineProvider>[0]["endpoints"]) {
  return defineProvider(
    {
      id: "p",
      endpoints,
      async sign(req: UpstreamRequest, ctx: TransformContext) {
        signedWith.push(ctx);
        return req;
      },
      mapError: (_status, _body, ctx) => {
        errorsWith.push(ctx);
        return { error: { message: "x", type: "api_error", param: null, code: null } };
      },
    },
    { completions: upperCase },
  );
}

function context(body: Record<string, unknown>): TransformContext {
  return {
    endpoint: "completions",
    target: { provider: "p" },
    body,
    rawBody: Buffer.from(JSON.stringify(body)),
    bodyChanged: false,
  };
}

describe("an endpoint served through the chat layer", () => {
  it("sends the provider's chat request, built from the translated body", async () => {
    // Prepare
    const adapter = provider({ chat: chatTransforms });
    const ctx = context({ model: "m", prompt: "hi" });
    // Act
    const req = adapter.toRequest(ctx);
    await adapter.sign?.(req, ctx);
    adapter.mapError(500, Buffer.from("{}"), ctx);
    // Assess
    expect(adapter.endpoints.has("completions")).toBe(true);
    expect(req.url).toBe("https://up/chat");
    expect(JSON.parse(String(req.body))).toEqual({ model: "m", messages: [{ role: "user", content: "hi" }] });
    expect(signedWith.at(-1)?.endpoint).toBe("chat");
    expect(errorsWith.at(-1)?.body).toEqual({ model: "m", messages: [{ role: "user", content: "hi" }] });
  });

  it("answers in the endpoint's format, whole and streamed", () => {
    // Prepare
    const adapter = provider({ chat: chatTransforms });
    const ctx = context({ model: "m", prompt: "hi", stream: true });
    // Act
    const json = adapter.fromResponse(200, Buffer.from('{"a":1}'), ctx);
    const translator = adapter.createStreamTranslator(ctx);
    const streamed = `${String(translator.push(Buffer.from("x")))}${String(translator.end())}`;
    // Assess
    expect(json.body).toBe('wrapped:{"a":1}');
    expect(adapter.isStreaming(ctx)).toBe(true);
    expect(streamed).toBe("DATA: X\n\nDATA: [DONE]\n\n");
    expect(translator.model).toBe("m");
  });

  it("is served natively by a provider that declares it", () => {
    // Prepare
    const adapter = provider({ chat: chatTransforms, completions: chatTransforms });
    // Act
    const req = adapter.toRequest(context({ model: "m", prompt: "hi" }));
    // Assess
    expect(req.url).toBe("https://up/completions");
  });

  it("is not served by a provider without chat", () => {
    // Prepare
    const adapter = provider({
      embeddings: { toRequest: chatTransforms.toRequest, fromResponse: chatTransforms.fromResponse },
    });
    // Act / Assess
    expect(adapter.endpoints.has("completions")).toBe(false);
    expect(() => adapter.toRequest(context({ model: "m", prompt: "hi" }))).toThrow(/does not serve/);
  });
});

describe("an endpoint a provider serves natively for some requests only", () => {
  const native: EndpointTransforms = {
    ...chatTransforms,
    serves: (ctx) => ctx.body.model === "native-model",
    mapError: () => ({ error: { message: "own", type: "own_error", param: null, code: null } }),
  };

  it("serves the requests it accepts natively and leaves the others to the chat layer", async () => {
    // Prepare
    const adapter = provider({ chat: chatTransforms, completions: native });
    const mine = context({ model: "native-model", prompt: "hi" });
    const other = context({ model: "other", prompt: "hi" });
    // Act
    const nativeReq = adapter.toRequest(mine);
    await adapter.sign?.(nativeReq, mine);
    const signedNative = signedWith.at(-1);
    const otherReq = adapter.toRequest(other);
    await adapter.sign?.(otherReq, other);
    // Assess
    expect(nativeReq.url).toBe("https://up/completions");
    expect(signedNative?.endpoint).toBe("completions");
    expect(adapter.mapError(500, Buffer.from("{}"), mine).error.type).toBe("own_error");
    expect(otherReq.url).toBe("https://up/chat");
    expect(signedWith.at(-1)?.endpoint).toBe("chat");
    expect(adapter.mapError(500, Buffer.from("{}"), other).error.type).toBe("api_error");
    expect(adapter.fromResponse(200, Buffer.from('{"a":1}'), other).body).toBe('wrapped:{"a":1}');
    expect(adapter.fromResponse(200, Buffer.from('{"a":1}'), mine).body).toBe('{"a":1}');
  });

  it("answers the others locally when the gateway answers that endpoint itself", () => {
    // Prepare
    const local = () => ({ body: "local", contentType: "application/json" });
    const adapter = defineProvider(
      {
        id: "p",
        endpoints: { chat: chatTransforms, completions: native },
        mapError: () => ({ error: { message: "x", type: "t", param: null, code: null } }),
      },
      {},
      { completions: local },
    );
    // Act / Assess
    expect(adapter.localAnswer?.(context({ model: "other", prompt: "hi" }))?.body).toBe("local");
    expect(adapter.localAnswer?.(context({ model: "native-model", prompt: "hi" }))).toBeUndefined();
  });

  it("is refused at load when nothing serves the requests it leaves", () => {
    // Act / Assess
    expect(() =>
      provider({
        embeddings: { toRequest: chatTransforms.toRequest, fromResponse: chatTransforms.fromResponse },
        completions: native,
      }),
    ).toThrow(/nothing serves the others/);
  });
});
