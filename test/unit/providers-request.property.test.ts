import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { anthropicAdapter } from "../../shared/providers/anthropic";
import { azureOpenAIAdapter } from "../../shared/providers/azure-openai";
import { createBedrockAdapter } from "../../shared/providers/bedrock";
import { cohereAdapter } from "../../shared/providers/cohere";
import { googleAdapter } from "../../shared/providers/google";
import { mistralAdapter } from "../../shared/providers/mistral-ai";
import type { ProviderAdapter, TransformContext } from "../../shared/providers/types";

/**
 * Property: any valid OpenAI chat request (text, images as data URLs, system prompts anywhere, tool round trips,
 * sampling parameters, streaming) translates without throwing into a request the provider's schema accepts.
 */
const PNG = "data:image/png;base64,iVBORw0KGgo=";
const text = fc.string({ maxLength: 16 });
const nonEmpty = fc.string({ minLength: 1, maxLength: 16 });
const toolName = fc.constantFrom("get_weather", "search_docs", "lookup");
const jsonObject = fc.dictionary(
  fc.string({ maxLength: 6 }),
  fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.boolean()),
);

const userMessage = fc.oneof(
  text.map((content) => ({ role: "user", content })),
  fc
    .array(
      fc.oneof(
        text.map((t) => ({ type: "text", text: t })),
        fc.constant({ type: "image_url", image_url: { url: PNG } }),
      ),
      {
        minLength: 1,
        maxLength: 3,
      },
    )
    .map((content) => ({ role: "user", content })),
);
const systemMessage = fc.oneof(
  text.map((content) => ({ role: "system", content })),
  text.map((content) => ({ role: "developer", content })),
);
const assistantMessage = text.map((content) => ({ role: "assistant", content }));
let callSeq = 0;
const toolExchange = fc
  .tuple(fc.array(fc.tuple(toolName, jsonObject), { minLength: 1, maxLength: 2 }), text, nonEmpty)
  .map(([calls, preamble, result]) => {
    const ids = calls.map(() => `call_${(callSeq++).toString(36)}_x`);
    return [
      {
        role: "assistant",
        content: preamble || null,
        tool_calls: calls.map(([name, args], i) => ({
          id: ids[i],
          type: "function",
          function: { name, arguments: JSON.stringify(args) },
        })),
      },
      ...ids.map((id) => ({ role: "tool", tool_call_id: id, content: result })),
    ];
  });
const messages = fc
  .array(
    fc.oneof(
      userMessage.map((m) => [m]),
      systemMessage.map((m) => [m]),
      assistantMessage.map((m) => [m]),
      toolExchange,
    ),
    {
      maxLength: 6,
    },
  )
  .map((groups) => [...groups.flat(), { role: "user", content: "and now?" }]);
const tools = fc.uniqueArray(toolName, { maxLength: 3 }).map((names) =>
  names.map((name) => ({
    type: "function",
    function: {
      name,
      description: `the ${name} tool`,
      parameters: { type: "object", properties: { q: { type: "string" } } },
    },
  })),
);
const request = fc
  .record(
    {
      model: fc.constantFrom("model-a", "anthropic.claude-3-haiku-20240307-v1:0"),
      messages,
      tools,
      temperature: fc.double({ min: 0, max: 1, noNaN: true }),
      top_p: fc.double({ min: 0, max: 1, noNaN: true }),
      max_tokens: fc.integer({ min: 1, max: 4096 }),
      stop: fc.array(nonEmpty, { maxLength: 3 }),
      stream: fc.boolean(),
      stream_options: fc.constant({ include_usage: true }),
      seed: fc.integer({ min: 0, max: 1000 }),
      user: nonEmpty,
    },
    { requiredKeys: ["model", "messages"] },
  )
  .chain((r) => {
    const names = (r.tools ?? []).map((t) => t.function.name);
    const choices = names.length
      ? fc.constantFrom<unknown>("auto", "required", ...names.map((name) => ({ type: "function", function: { name } })))
      : fc.constant(undefined);
    // tools used in the history must be declared (Bedrock requires toolConfig when the history has tool use)
    const used = new Set(
      r.messages.flatMap((m) =>
        ((m as { tool_calls?: { function: { name: string } }[] }).tool_calls ?? []).map((c) => c.function.name),
      ),
    );
    const declared = [...new Set([...names, ...used])].map((name) => ({
      type: "function",
      function: { name, parameters: { type: "object" } },
    }));
    return choices.map((tool_choice) => ({
      ...r,
      tools: declared.length ? declared : undefined,
      ...(tool_choice && names.length ? { tool_choice } : {}),
    }));
  });

function ctxFor(body: Record<string, unknown>, provider: string): TransformContext {
  return {
    endpoint: "chat",
    target: {
      provider,
      apiKey: "key",
      options: {
        resourceName: "res",
        deploymentId: "dep",
        apiVersion: "2024-10-21",
        awsRegion: "us-east-1",
        awsAccessKeyId: "AKID",
        awsSecretAccessKey: "secret",
      },
    },
    body,
    rawBody: Buffer.from(JSON.stringify(body)),
    bodyChanged: false,
  };
}

const str = z.string();
const anthropicBlock = z.union([
  z.strictObject({ type: z.literal("text"), text: str.min(1) }),
  z.strictObject({
    type: z.literal("image"),
    source: z.strictObject({ type: z.literal("base64"), media_type: str, data: str }),
  }),
  z.strictObject({ type: z.literal("tool_use"), id: str, name: str, input: z.record(str, z.unknown()) }),
  z.strictObject({ type: z.literal("tool_result"), tool_use_id: str, content: str }),
]);
const alternating = (ms: { role: string }[]) => ms.every((m, i) => i === 0 || ms[i - 1]?.role !== m.role);
const anthropicSchema = z.strictObject({
  model: str.min(1),
  max_tokens: z.number().int().positive(),
  messages: z
    .array(z.strictObject({ role: z.enum(["user", "assistant"]), content: z.array(anthropicBlock).min(1) }))
    .min(1)
    .refine(alternating),
  system: str.min(1).optional(),
  stop_sequences: z.array(str).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().optional(),
  metadata: z.strictObject({ user_id: str }).optional(),
  tools: z
    .array(z.strictObject({ name: str, description: str.optional(), input_schema: z.record(str, z.unknown()) }))
    .optional(),
  tool_choice: z.object({ type: z.enum(["auto", "any", "tool", "none"]), name: str.optional() }).optional(),
  stream: z.literal(true).optional(),
});
const geminiPart = z.union([
  z.strictObject({ text: str.min(1) }),
  z.strictObject({ inlineData: z.strictObject({ mimeType: str, data: str }) }),
  z.strictObject({ functionCall: z.strictObject({ name: str, args: z.record(str, z.unknown()) }) }),
  z.strictObject({ functionResponse: z.strictObject({ name: str, response: z.record(str, z.unknown()) }) }),
]);
const geminiSchema = z.strictObject({
  contents: z
    .array(z.strictObject({ role: z.enum(["user", "model"]), parts: z.array(geminiPart).min(1) }))
    .min(1)
    .refine(alternating),
  systemInstruction: z.strictObject({ parts: z.array(z.strictObject({ text: str })) }).optional(),
  generationConfig: z
    .strictObject({
      maxOutputTokens: z.number().int(),
      temperature: z.number(),
      topP: z.number(),
      stopSequences: z.array(str),
      seed: z.number().int(),
    })
    .partial()
    .optional(),
  tools: z
    .array(
      z.strictObject({
        functionDeclarations: z.array(
          z.strictObject({ name: str, description: str.optional(), parametersJsonSchema: z.record(str, z.unknown()) }),
        ),
      }),
    )
    .optional(),
  toolConfig: z
    .strictObject({
      functionCallingConfig: z.strictObject({
        mode: z.enum(["AUTO", "ANY", "NONE"]),
        allowedFunctionNames: z.array(str).optional(),
      }),
    })
    .optional(),
});
const converseBlock = z.union([
  z.strictObject({ text: str.min(1) }),
  z.strictObject({
    image: z.strictObject({ format: z.enum(["png", "jpeg", "gif", "webp"]), source: z.strictObject({ bytes: str }) }),
  }),
  z.strictObject({ toolUse: z.strictObject({ toolUseId: str, name: str, input: z.record(str, z.unknown()) }) }),
  z.strictObject({ toolResult: z.strictObject({ toolUseId: str, content: z.array(z.strictObject({ text: str })) }) }),
]);
const converseSchema = z.strictObject({
  messages: z
    .array(z.strictObject({ role: z.enum(["user", "assistant"]), content: z.array(converseBlock).min(1) }))
    .min(1)
    .refine(alternating),
  system: z.array(z.strictObject({ text: str.min(1) })).optional(),
  inferenceConfig: z
    .strictObject({
      maxTokens: z.number().int(),
      temperature: z.number(),
      topP: z.number(),
      stopSequences: z.array(str),
    })
    .partial()
    .optional(),
  toolConfig: z
    .strictObject({
      tools: z
        .array(
          z.strictObject({
            toolSpec: z.strictObject({
              name: str,
              description: str.optional(),
              inputSchema: z.strictObject({ json: z.record(str, z.unknown()) }),
            }),
          }),
        )
        .min(1),
      toolChoice: z
        .union([z.strictObject({ any: z.strictObject({}) }), z.strictObject({ tool: z.strictObject({ name: str }) })])
        .optional(),
    })
    .optional(),
});
const cohereSchema = z.strictObject({
  model: str,
  messages: z
    .array(
      z.union([
        z.strictObject({ role: z.literal("system"), content: str }),
        z.strictObject({
          role: z.literal("user"),
          content: z.union([str, z.array(z.record(str, z.unknown())).min(1)]),
        }),
        z.strictObject({
          role: z.literal("assistant"),
          content: str.optional(),
          tool_calls: z.array(z.record(str, z.unknown())).optional(),
          tool_plan: str.optional(),
        }),
        z.strictObject({ role: z.literal("tool"), tool_call_id: str, content: str }),
      ]),
    )
    .min(1),
  tools: z.array(z.record(str, z.unknown())).optional(),
  tool_choice: z.enum(["REQUIRED", "NONE"]).optional(),
  max_tokens: z.number().int().optional(),
  stop_sequences: z.array(str).optional(),
  temperature: z.number().optional(),
  p: z.number().optional(),
  seed: z.number().optional(),
  stream: z.literal(true).optional(),
});
const MISTRAL_FIELDS = [
  "model",
  "messages",
  "temperature",
  "top_p",
  "max_tokens",
  "stream",
  "stop",
  "random_seed",
  "tools",
  "tool_choice",
] as const;
const mistralSchema = z
  .strictObject(Object.fromEntries(MISTRAL_FIELDS.map((k) => [k, z.unknown().optional()])))
  .refine((b) => {
    const ids = (b.messages as { tool_call_id?: string; tool_calls?: { id: string }[] }[])
      .flatMap((m) => [m.tool_call_id, ...(m.tool_calls ?? []).map((c) => c.id)])
      .filter((x) => x !== undefined);
    return ids.every((id) => /^[a-zA-Z0-9]{9}$/.test(String(id)));
  });
const openAISchema = z.looseObject({ model: str, messages: z.array(z.unknown()).min(1) });

const CASES: readonly [string, ProviderAdapter, z.ZodType][] = [
  ["anthropic", anthropicAdapter, anthropicSchema],
  ["google", googleAdapter, geminiSchema],
  ["bedrock", createBedrockAdapter({ env: {} }), converseSchema],
  ["cohere", cohereAdapter, cohereSchema],
  ["mistral-ai", mistralAdapter, mistralSchema],
  ["azure-openai", azureOpenAIAdapter, openAISchema],
];

describe.each(CASES)("%s request transform", (provider, adapter, schema) => {
  it("never throws on a valid OpenAI request and produces a body the provider's schema accepts", async () => {
    await fc.assert(
      fc.asyncProperty(request, async (body) => {
        const ctx = ctxFor(body as Record<string, unknown>, provider);
        let req = adapter.toRequest(ctx);
        if (adapter.sign) req = await adapter.sign(req, ctx);
        const native = JSON.parse(String(req.body)) as unknown;
        const parsed = schema.safeParse(native);
        if (!parsed.success) throw new Error(`${JSON.stringify(parsed.error.issues)}\n${JSON.stringify(native)}`);
        expect(req.url).toMatch(/^https:\/\//);
      }),
      { numRuns: 200 },
    );
  });
});
