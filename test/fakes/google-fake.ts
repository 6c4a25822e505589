import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { type FakeContext, type FakeServer, startFakeServer, writeFrames } from "./fake-server";
import { ConversationBuilder, type Script, type ScriptedReply, textDeltas } from "./scripted-reply";

/**
 * A fake of the Gemini API (`/v1beta/models/{model}:generateContent`, `:streamGenerateContent?alt=sse`,
 * `:batchEmbedContents`) speaking its documented wire format: `x-goog-api-key`, `contents` with roles user/model,
 * `systemInstruction`, `functionDeclarations`/`functionCall`/`functionResponse`, `inlineData`/`fileData`,
 * `usageMetadata`, SSE events separated by CRLF CRLF, and `{"error":{"code","message","status"}}` errors
 * (an invalid key is a 400 INVALID_ARGUMENT, as Gemini answers). Thinking: `generationConfig.thinkingConfig`
 * (`thinkingBudget` a whole number, -1 = dynamic, 0 = off; `includeThoughts`) makes the answer open with a thought
 * summary part (`{"text", "thought": true}`, its own first SSE event when streamed) counted in
 * `usageMetadata.thoughtsTokenCount`. Gemini 3 (`gemini-3*` and later) takes `thinkingLevel` instead (the levels
 * its family accepts: 3 Pro low/high, later Pro models low/medium/high, Flash all four), refuses it together with
 * a budget, and Gemini 2.5 refuses a level. Thought signatures: Gemini 3 signs the first `functionCall` part of each
 * answer (`thoughtSignature`) and, as Google documents, answers 400 when the first function call of a model step in
 * the current turn (the steps since the last user prompt) comes back without a signature it issued, or Google's
 * `skip_thought_signature_validator`.
 */
export interface GoogleFake extends FakeServer {
  readonly baseUrl: string;
}

const STATUS_NAMES: Readonly<Record<number, string>> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
};

export function googleErrorBody(status: number, message = `fake google error ${status}`): string {
  return JSON.stringify({ error: { code: status, message, status: STATUS_NAMES[status] ?? "UNKNOWN" } });
}

function fail(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "content-type": "application/json; charset=UTF-8" });
  res.end(googleErrorBody(status, message));
}

type Json = Record<string, unknown>;

function readConversation(body: Json): Script | string {
  if (!Array.isArray(body.contents) || body.contents.length === 0)
    return "* GenerateContentRequest.contents: contents is not specified";
  const systemParts = ((body.systemInstruction as Json | undefined)?.parts ?? []) as Json[];
  const conversation = new ConversationBuilder(systemParts.map((p) => String(p.text)).join("\n\n"));
  const called = new Set<string>();
  for (const [i, c] of (body.contents as Json[]).entries()) {
    if (c.role !== "user" && c.role !== "model") return `* contents[${i}].role: must be "user" or "model"`;
    if (!Array.isArray(c.parts) || c.parts.length === 0) return `* contents[${i}].parts: must not be empty`;
    const texts: string[] = [];
    let imageCount = 0;
    let toolResult: string | undefined;
    for (const p of c.parts as Json[]) {
      if (typeof p.text === "string") {
        texts.push(p.text);
      } else if (p.inlineData || p.fileData) {
        const d = (p.inlineData ?? p.fileData) as Json;
        if (typeof d.mimeType !== "string" || (typeof d.data !== "string" && typeof d.fileUri !== "string")) {
          return `* contents[${i}]: invalid inlineData/fileData`;
        }
        imageCount += 1;
      } else if (p.functionCall && c.role === "model") {
        called.add(String((p.functionCall as Json).name));
      } else if (p.functionResponse && c.role === "user") {
        const fr = p.functionResponse as Json;
        if (!called.has(String(fr.name)) || typeof fr.response !== "object")
          return `* contents[${i}]: functionResponse without functionCall`;
        const response = fr.response as Json;
        toolResult = typeof response.content === "string" ? response.content : JSON.stringify(response);
      } else {
        return `* contents[${i}].parts: unknown part`;
      }
    }
    conversation.message(c.role === "user" ? "user" : "other", { texts, images: imageCount, toolResult });
  }
  const declarations = ((body.tools as Json[] | undefined) ?? []).flatMap(
    (t) => (t.functionDeclarations as Json[]) ?? [],
  );
  return conversation.script(
    declarations.map((d) => String(d.name)),
    ((body.generationConfig ?? {}) as Json).maxOutputTokens,
  );
}

function usageMetadata(prompt: number, completion: number, thought?: string): Json {
  const thoughts = thought ? thought.split(" ").length : 0;
  const usage: Json = {
    promptTokenCount: prompt,
    candidatesTokenCount: completion,
    totalTokenCount: prompt + completion + thoughts,
  };
  if (thoughts) usage.thoughtsTokenCount = thoughts;
  return usage;
}

/** The thought summary the fake writes for a conversation. */
export function geminiThoughtFor(lastUserText: string): string {
  return `Thinking about ${lastUserText || "a tool result"}.`;
}

/** The Gemini generation a model id names (`gemini-3.1-pro-preview` is 3), 0 when it names none. */
function generationOf(model: string): number {
  return Number(/^gemini-(\d+)/.exec(model)?.[1] ?? 0);
}

/** The `thinkingLevel`s a Gemini 3+ model accepts. */
function levelsOf(model: string): readonly string[] {
  if (!/^gemini-[\d.]+-pro/.test(model)) return ["MINIMAL", "LOW", "MEDIUM", "HIGH"];
  return model.startsWith("gemini-3-pro") ? ["LOW", "HIGH"] : ["LOW", "MEDIUM", "HIGH"];
}

function readThinkingLevel(config: Json, model: string): string | undefined {
  const level = config.thinkingLevel;
  if (level === undefined) return undefined;
  const name = typeof level === "string" ? level.toUpperCase() : "";
  if (!["MINIMAL", "LOW", "MEDIUM", "HIGH"].includes(name)) {
    return `Invalid value at 'generation_config.thinking_config.thinking_level' (type.googleapis.com/google.ai.generativelanguage.v1beta.ThinkingConfig.ThinkingLevel), ${JSON.stringify(level)}`;
  }
  if (config.thinkingBudget !== undefined) return "You can only set only one of thinking budget and thinking level.";
  if (generationOf(model) < 3) return "Thinking level is not supported for this model.";
  if (!levelsOf(model).includes(name)) {
    return `Thinking level ${name} is not supported for this model. Please retry with other thinking level`;
  }
  return undefined;
}

/** Checks `generationConfig.thinkingConfig` as Gemini does; returns whether thoughts are included, or an error. */
function readThinkingConfig(body: Json, model: string): boolean | string {
  const config = ((body.generationConfig ?? {}) as Json).thinkingConfig as Json | undefined;
  if (config === undefined) return false;
  const levelError = readThinkingLevel(config, model);
  if (levelError) return levelError;
  const budget = config.thinkingBudget;
  if (budget !== undefined && (typeof budget !== "number" || !Number.isInteger(budget) || budget < -1)) {
    return `Invalid value at 'generation_config.thinking_config.thinking_budget' (TYPE_INT32), ${JSON.stringify(budget)}`;
  }
  if (config.includeThoughts !== undefined && typeof config.includeThoughts !== "boolean") {
    return "Invalid value at 'generation_config.thinking_config.include_thoughts' (TYPE_BOOL)";
  }
  return config.includeThoughts === true && budget !== 0;
}

function candidate(parts: Json[], finishReason?: string): Json {
  const c: Json = { content: { role: "model", parts }, index: 0 };
  if (finishReason) c.finishReason = finishReason;
  return c;
}

/** Google's signature for function calls it did not sign (history from another model). */
export const SKIP_THOUGHT_SIGNATURE = "skip_thought_signature_validator";

/**
 * Gemini 3's signature rule: in the current turn (the contents after the last user prompt that is not only
 * function responses), the first `functionCall` of each model step must carry a signature Gemini issued.
 */
function checkSignatures(body: Json, model: string, issued: ReadonlySet<string>): string | undefined {
  if (generationOf(model) < 3) return undefined;
  const contents = body.contents as Json[];
  const prompt = contents.findLastIndex(
    (c) => c.role === "user" && (c.parts as Json[]).some((p) => p.functionResponse === undefined),
  );
  for (let i = prompt + 1; i < contents.length; i++) {
    const c = contents[i] as Json;
    if (c.role !== "model") continue;
    const parts = c.parts as Json[];
    const position = parts.findIndex((p) => p.functionCall !== undefined);
    const first = parts[position];
    if (!first) continue;
    const signature = first.thoughtSignature;
    const name = String((first.functionCall as Json).name);
    if (signature === undefined) {
      return `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${name}\` , position ${position + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`;
    }
    if (signature !== SKIP_THOUGHT_SIGNATURE && !issued.has(String(signature))) {
      return "Corrupted thought signature.";
    }
  }
  return undefined;
}

function replyParts(reply: ScriptedReply, signature?: string): Json[] {
  if (reply.kind === "text") return [{ text: reply.words.join(" ") }];
  const call: Json = { functionCall: { name: reply.name, args: reply.args } };
  if (signature) call.thoughtSignature = signature;
  return [{ text: reply.preamble }, call];
}

function finishOf(reply: ScriptedReply): string {
  return reply.kind === "text" && reply.finish === "length" ? "MAX_TOKENS" : "STOP";
}

function completionTokens(reply: ScriptedReply): number {
  return reply.kind === "text" ? reply.words.length : 5;
}

/** The SSE events Gemini sends for a reply (exported for stream property tests). */
export function googleStreamFrames(
  reply: ScriptedReply,
  prompt: number,
  model: string,
  responseId: string,
  thought?: string,
  signature?: string,
): string[] {
  const frames: string[] = [];
  const event = (value: Json): string =>
    `data: ${JSON.stringify({ ...value, modelVersion: model, responseId })}\r\n\r\n`;
  if (thought) {
    frames.push(
      event({
        candidates: [candidate([{ text: thought, thought: true }])],
        usageMetadata: { promptTokenCount: prompt },
      }),
    );
  }
  if (reply.kind === "text") {
    const deltas = textDeltas(reply.words);
    deltas.forEach((text, i) => {
      const last = i === deltas.length - 1;
      frames.push(
        event({
          candidates: [candidate([{ text }], last ? finishOf(reply) : undefined)],
          usageMetadata: last ? usageMetadata(prompt, reply.words.length, thought) : { promptTokenCount: prompt },
        }),
      );
    });
  } else {
    frames.push(
      event({ candidates: [candidate([{ text: reply.preamble }])], usageMetadata: { promptTokenCount: prompt } }),
    );
    const call: Json = { functionCall: { name: reply.name, args: reply.args } };
    if (signature) call.thoughtSignature = signature;
    frames.push(
      event({
        candidates: [candidate([call], "STOP")],
        usageMetadata: usageMetadata(prompt, 5, thought),
      }),
    );
  }
  return frames;
}

export async function startGoogleFake(options: { apiKey: string; chunkDelayMs?: number }): Promise<GoogleFake> {
  let seq = 0;
  const issued = new Set<string>();

  async function handle({ req, res, recorded, fault }: FakeContext): Promise<void> {
    const url = new URL(recorded.path, "http://fake");
    const match = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent|batchEmbedContents)$/.exec(
      url.pathname,
    );
    if (req.method !== "POST" || !match) return fail(res, 404, `Requested entity was not found: ${url.pathname}`);
    if (req.headers["x-goog-api-key"] !== options.apiKey) {
      return fail(res, 400, "API key not valid. Please pass a valid API key.");
    }
    const [, model, method] = match;
    const body = recorded.json();
    seq += 1;
    if (method === "batchEmbedContents") {
      const requests = Array.isArray(body.requests) ? (body.requests as Json[]) : [];
      const embeddings = requests.map((r) => {
        const text = String(((r.content as Json).parts as Json[])[0]?.text ?? "");
        const dims = typeof r.outputDimensionality === "number" ? r.outputDimensionality : 8;
        return { values: Array.from({ length: dims }, (_, i) => ((text.length + i) % 7) / 7) };
      });
      res.writeHead(200, { "content-type": "application/json; charset=UTF-8" });
      res.end(JSON.stringify({ embeddings }));
      return;
    }
    const script = readConversation(body);
    if (typeof script === "string") return fail(res, 400, script);
    const { reply, prompt } = script;
    const thinking = readThinkingConfig(body, String(model));
    if (typeof thinking === "string") return fail(res, 400, thinking);
    const unsigned = checkSignatures(body, String(model), issued);
    if (unsigned) return fail(res, 400, unsigned);
    const thought = thinking ? geminiThoughtFor(script.conversation.lastUserText) : undefined;
    const responseId = `fakeResp${seq}`;
    let signature: string | undefined;
    if (reply.kind === "tool" && generationOf(String(model)) >= 3) {
      signature = Buffer.from(`signature of ${responseId} ${randomUUID()}`).toString("base64");
      issued.add(signature);
    }
    if (method === "streamGenerateContent") {
      if (url.searchParams.get("alt") !== "sse") return fail(res, 400, "this fake only streams with alt=sse");
      const frames = googleStreamFrames(reply, prompt, String(model), responseId, thought, signature);
      res.writeHead(200, { "content-type": "text/event-stream" });
      await writeFrames(res, frames, fault, options.chunkDelayMs);
      return;
    }
    res.writeHead(200, { "content-type": "application/json; charset=UTF-8" });
    res.end(
      JSON.stringify({
        candidates: [
          candidate(
            [...(thought ? [{ text: thought, thought: true }] : []), ...replyParts(reply, signature)],
            finishOf(reply),
          ),
        ],
        usageMetadata: usageMetadata(prompt, completionTokens(reply), thought),
        modelVersion: model,
        responseId,
      }),
    );
  }

  const server = await startFakeServer(handle);
  return Object.assign(server, { baseUrl: `${server.origin}/v1beta` });
}
