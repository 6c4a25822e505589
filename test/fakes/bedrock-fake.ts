import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Sha256 } from "@aws-crypto/sha256-js";
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { SignatureV4 } from "@smithy/signature-v4";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import { answerClaude, type ClaudeAction, type ClaudeFakeState } from "./bedrock-claude-fake";
import { type FakeContext, type FakeServer, startFakeServer, writeFrames } from "./fake-server";
import {
  ConversationBuilder,
  type ForcedTool,
  fragments,
  type Script,
  type ScriptedReply,
  textDeltas,
} from "./scripted-reply";

/**
 * A fake of the Bedrock runtime: `POST /model/{modelId}/converse`, `/converse-stream` (binary
 * `application/vnd.amazon.eventstream` frames encoded with the AWS codec) and `/invoke` for Titan and Cohere
 * embeddings. It checks the SigV4 `Authorization` header by signing the request it received again with the
 * known secret (so a wrong secret, host or path is a 403 like AWS gives), and answers errors as Bedrock does:
 * `{"message": ...}` with the type in `x-amzn-errortype`. Claude's InvokeModel, InvokeModelWithResponseStream and
 * CountTokens (Anthropic's Messages API) are in `bedrock-claude-fake.ts`. It also stands in for a public web server holding an image
 * (`GET /images/cat.png`, a 1x1 PNG), for images given by URL, which the gateway fetches and sends as bytes.
 * Claude's extended thinking: `additionalModelRequestFields.thinking` ({type: "enabled", budget_tokens >= 1024,
 * below `inferenceConfig.maxTokens}`; other models refuse the key) makes the answer open with a signed
 * `reasoningContent` block (`reasoningText` {text, signature}; streamed as `reasoningContent` text deltas then a
 * signature delta); `reasoningContent` blocks sent back must carry the signature the fake issued.
 */
export interface BedrockFake extends FakeServer {
  readonly region: string;
  /** The next Claude stream (InvokeModelWithResponseStream) opens with this exception frame and ends. */
  failNextClaudeStream(exceptionType: string, message: string): void;
}

export interface BedrockFakeOptions {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly region: string;
  readonly chunkDelayMs?: number;
}

const codec = new EventStreamCodec(toUtf8, fromUtf8);

const ERROR_TYPES: Readonly<Record<number, string>> = {
  400: "ValidationException",
  401: "UnrecognizedClientException",
  403: "AccessDeniedException",
  429: "ThrottlingException",
  500: "InternalServerException",
  503: "ServiceUnavailableException",
};

export function bedrockErrorType(status: number): string {
  return ERROR_TYPES[status] ?? "InternalServerException";
}

export function bedrockErrorBody(status: number, message = `fake bedrock error ${status}`): string {
  return JSON.stringify({ message });
}

function fail(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, {
    "content-type": "application/json",
    "x-amzn-errortype": `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
    "x-amzn-requestid": "fake-request-id",
  });
  res.end(JSON.stringify({ message }));
}

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/bedrock\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

/** Signs the received request again; returns an error message when the signature does not hold. */
async function checkSignature(req: IncomingMessage, body: Buffer, o: BedrockFakeOptions): Promise<string | undefined> {
  const m = AUTH.exec(String(req.headers.authorization ?? ""));
  if (!m) return "Authorization header is not a SigV4 header";
  const [, keyId, , region, signedHeaders] = m;
  if (keyId !== o.accessKeyId) return "The security token included in the request is invalid.";
  if (region !== o.region) return `Credential should be scoped to a valid region, not '${region}'.`;
  const amzDate = String(req.headers["x-amz-date"] ?? "");
  if (!/^\d{8}T\d{6}Z$/.test(amzDate)) return "x-amz-date missing";
  if (o.sessionToken && req.headers["x-amz-security-token"] !== o.sessionToken)
    return "The security token included in the request is invalid.";
  const headers: Record<string, string> = {};
  for (const name of (signedHeaders as string).split(";")) {
    if (name !== "x-amz-date") headers[name] = String(req.headers[name] ?? "");
  }
  const url = new URL(req.url ?? "/", "http://fake");
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const signer = new SignatureV4({
    service: "bedrock",
    region: o.region,
    credentials: { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey, sessionToken: o.sessionToken },
    sha256: Sha256,
  });
  const [hostname, port] = String(req.headers.host).split(":");
  const signed = await signer.sign(
    {
      method: req.method ?? "POST",
      protocol: "http:",
      hostname: hostname ?? "",
      port: port ? Number(port) : undefined,
      path: url.pathname,
      query,
      headers,
      body: body.toString("utf8"),
    },
    { signingDate },
  );
  if (signed.headers.authorization !== req.headers.authorization) {
    return "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.";
  }
  return undefined;
}

type Json = Record<string, unknown>;

const MAGIC: Readonly<Record<string, (b: Buffer) => boolean>> = {
  png: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  jpeg: (b) => b[0] === 0xff && b[1] === 0xd8,
  gif: (b) => b.subarray(0, 4).toString("latin1") === "GIF8",
  webp: (b) => b.subarray(0, 4).toString("latin1") === "RIFF" && b.subarray(8, 12).toString("latin1") === "WEBP",
};

/** Bedrock decodes the bytes: a block whose bytes are not an image of its `format` is refused. */
function imageMatches(format: string, bytes: Buffer): boolean {
  return bytes.length > 0 && (MAGIC[format]?.(bytes) ?? false);
}

/** The signature the fake gives a reasoning text (Bedrock's is opaque; ours is checkable). */
export function bedrockReasoningSignature(text: string): string {
  return createHash("sha256").update(`fake-bedrock:${text}`).digest("base64");
}

/** The reasoning the fake writes for a conversation. */
export function bedrockReasoningFor(lastUserText: string): string {
  return `Reasoning about ${lastUserText || "a tool result"}.`;
}

/** Checks `additionalModelRequestFields.thinking` as Bedrock and Claude do: whether thinking is on, or an error. */
function readThinking(body: Json, model: string): boolean | string {
  const fields = body.additionalModelRequestFields as Json | undefined;
  const t = fields?.thinking as Json | undefined;
  if (t === undefined) return false;
  if (!model.includes("anthropic.claude")) {
    return "The model returned the following errors: extraneous key [thinking] is not permitted";
  }
  if (t.type === "disabled") return false;
  if (t.type !== "enabled")
    return "The model returned the following errors: thinking.type: Input should be 'enabled' or 'disabled'";
  const budget = t.budget_tokens;
  if (typeof budget !== "number" || !Number.isInteger(budget) || budget < 1024) {
    return "The model returned the following errors: thinking.enabled.budget_tokens: Input should be greater than or equal to 1024";
  }
  const max = (body.inferenceConfig as Json | undefined)?.maxTokens;
  if (typeof max !== "number" || budget >= max) {
    return "The model returned the following errors: `max_tokens` must be greater than `thinking.budget_tokens`";
  }
  return true;
}

function readConversation(body: Json): Script | string {
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    return "A conversation must start with a user message.";
  const system = ((body.system as Json[] | undefined) ?? []).map((b) => String(b.text)).join("\n\n");
  const conversation = new ConversationBuilder(system);
  const toolUseIds = new Set<string>();
  let previous = "";
  for (const [i, m] of (body.messages as Json[]).entries()) {
    if (m.role !== "user" && m.role !== "assistant") return `messages.${i}.role: invalid`;
    if (m.role === previous) return "A conversation must alternate between user and assistant roles.";
    previous = String(m.role);
    const texts: string[] = [];
    let imageCount = 0;
    let toolResult: string | undefined;
    for (const b of (m.content as Json[]) ?? []) {
      if (typeof b.text === "string") {
        texts.push(b.text);
      } else if (b.image) {
        const image = b.image as Json;
        const bytes = (image.source as Json)?.bytes;
        if (!["png", "jpeg", "gif", "webp"].includes(String(image.format)) || typeof bytes !== "string") {
          return `messages.${i}: invalid image block`;
        }
        if (!imageMatches(String(image.format), Buffer.from(bytes, "base64"))) {
          return "The model returned the following errors: Could not process image";
        }
        imageCount += 1;
      } else if (b.reasoningContent && m.role === "assistant") {
        const r = b.reasoningContent as Json;
        const said = r.reasoningText as Json | undefined;
        if (
          said ? said.signature !== bedrockReasoningSignature(String(said.text)) : typeof r.redactedContent !== "string"
        ) {
          return `messages.${i}: invalid reasoningContent signature`;
        }
      } else if (b.toolUse && m.role === "assistant") {
        toolUseIds.add(String((b.toolUse as Json).toolUseId));
      } else if (b.toolResult && m.role === "user") {
        const r = b.toolResult as Json;
        if (!toolUseIds.has(String(r.toolUseId))) return "toolResult without a matching toolUse";
        toolResult = ((r.content as Json[]) ?? []).map((c) => String(c.text ?? JSON.stringify(c.json))).join("");
      } else {
        return `messages.${i}: invalid content block`;
      }
    }
    conversation.message(m.role === "user" ? "user" : "other", { texts, images: imageCount, toolResult });
  }
  const tools = (((body.toolConfig as Json | undefined)?.tools as Json[] | undefined) ?? []).map(
    (t) => t.toolSpec as Json,
  );
  const choice = ((body.toolConfig as Json | undefined)?.toolChoice as Json | undefined)?.tool as Json | undefined;
  let forced: ForcedTool | undefined;
  if (choice) {
    const tool = tools.find((t) => t.name === choice.name);
    if (!tool) return `toolChoice: no tool named ${String(choice.name)}`;
    if ((body.additionalModelRequestFields as Json | undefined)?.thinking) {
      return "Thinking may not be enabled when tool_choice forces tool use.";
    }
    forced = { name: String(tool.name), schema: ((tool.inputSchema as Json | undefined)?.json ?? {}) as Json };
  }
  return conversation.script(
    tools.map((t) => String(t.name)),
    (body.inferenceConfig as Json | undefined)?.maxTokens,
    forced,
  );
}

/** One event-stream message with a JSON payload: `:message-type` event (named by `:event-type`) or exception. */
function eventStreamMessage(kind: "event" | "exception", type: string, payload: Json): Buffer {
  const headers = {
    [kind === "event" ? ":event-type" : ":exception-type"]: { type: "string" as const, value: type },
    ":content-type": { type: "string" as const, value: "application/json" },
    ":message-type": { type: "string" as const, value: kind },
  };
  return Buffer.from(codec.encode({ headers, body: fromUtf8(JSON.stringify(payload)) }));
}

function frame(eventType: string, payload: Json): Buffer {
  return eventStreamMessage("event", eventType, { ...payload, p: "abcdefghij" });
}

/** An exception frame as ConverseStream sends it mid-stream. */
export function bedrockExceptionFrame(exceptionType: string, message: string): Buffer {
  return eventStreamMessage("exception", exceptionType, { message });
}

function stopReason(reply: ScriptedReply): string {
  if (reply.kind === "tool") return "tool_use";
  return reply.finish === "length" ? "max_tokens" : "end_turn";
}

export function converseStreamFrames(
  reply: ScriptedReply,
  prompt: number,
  toolUseId: string,
  reasoning?: string,
): Buffer[] {
  const frames = [frame("messageStart", { role: "assistant" })];
  const first = reasoning ? 1 : 0;
  if (reasoning) {
    for (const text of textDeltas(reasoning.split(" "))) {
      frames.push(frame("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { text } } }));
    }
    const signature = bedrockReasoningSignature(reasoning);
    frames.push(frame("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { signature } } }));
    frames.push(frame("contentBlockStop", { contentBlockIndex: 0 }));
  }
  // a forced tool's answer has no text block before the toolUse block
  const hasText = reply.kind === "text" || reply.preamble !== "";
  if (hasText) {
    const words = reply.kind === "text" ? reply.words : reply.preamble.split(" ");
    for (const text of textDeltas(words))
      frames.push(frame("contentBlockDelta", { contentBlockIndex: first, delta: { text } }));
    frames.push(frame("contentBlockStop", { contentBlockIndex: first }));
  }
  if (reply.kind === "tool") {
    const index = hasText ? first + 1 : first;
    frames.push(
      frame("contentBlockStart", { contentBlockIndex: index, start: { toolUse: { toolUseId, name: reply.name } } }),
    );
    for (const input of fragments(JSON.stringify(reply.args))) {
      frames.push(frame("contentBlockDelta", { contentBlockIndex: index, delta: { toolUse: { input } } }));
    }
    frames.push(frame("contentBlockStop", { contentBlockIndex: index }));
  }
  const out = reply.kind === "text" ? reply.words.length : 5;
  frames.push(
    frame("messageStop", { stopReason: stopReason(reply) }),
    frame("metadata", {
      usage: { inputTokens: prompt, outputTokens: out, totalTokens: prompt + out },
      metrics: { latencyMs: 12 },
    }),
  );
  return frames;
}

/** A 1x1 PNG, served at `GET /images/cat.png`. */
export const PNG_1PX = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

export async function startBedrockFake(options: BedrockFakeOptions): Promise<BedrockFake> {
  let seq = 0;
  const claude: ClaudeFakeState = { seq: 0, cache: new Set(), streamExceptions: [] };

  async function handle({ req, res, recorded, fault }: FakeContext): Promise<void> {
    if (req.method === "GET" && recorded.path === "/images/cat.png") {
      res.writeHead(200, { "content-type": "image/png", "content-length": PNG_1PX.length });
      res.end(PNG_1PX);
      return;
    }
    const match = /^\/model\/([^/]+)\/(converse|converse-stream|invoke|invoke-with-response-stream|count-tokens)$/.exec(
      recorded.path,
    );
    if (req.method !== "POST" || !match) return fail(res, 404, "UnknownOperationException", "Unknown operation");
    const signatureProblem = await checkSignature(req, recorded.body, options);
    if (signatureProblem) {
      const type = signatureProblem.startsWith("The security token")
        ? "UnrecognizedClientException"
        : "InvalidSignatureException";
      return fail(res, 403, type, signatureProblem);
    }
    const model = decodeURIComponent(match[1] as string);
    const body = recorded.json();
    seq += 1;
    const action = match[2] as string;
    if (model.includes("anthropic.claude") && /^(invoke|invoke-with-response-stream|count-tokens)$/.test(action)) {
      const request = { res, action: action as ClaudeAction, modelId: model, body, fault, seq };
      return answerClaude(request, claude, fail, options.chunkDelayMs);
    }
    if (match[2] === "invoke") {
      res.writeHead(200, { "content-type": "application/json" });
      if (model.startsWith("amazon.titan-embed")) {
        const text = String(body.inputText);
        const dims = typeof body.dimensions === "number" ? body.dimensions : 8;
        res.end(
          JSON.stringify({
            embedding: Array.from({ length: dims }, (_, i) => ((text.length + i) % 7) / 7),
            inputTextTokenCount: text.split(/\s+/).length,
          }),
        );
      } else {
        const texts = body.texts as string[];
        res.end(
          JSON.stringify({
            id: `emb${seq}`,
            response_type: "embeddings_floats",
            texts,
            embeddings: texts.map((t) => Array.from({ length: 8 }, (_, i) => ((t.length + i) % 7) / 7)),
          }),
        );
      }
      return;
    }
    const script = readConversation(body);
    if (typeof script === "string") return fail(res, 400, "ValidationException", script);
    const { reply, prompt } = script;
    const thinking = readThinking(body, model);
    if (typeof thinking === "string") return fail(res, 400, "ValidationException", thinking);
    const reasoning = thinking ? bedrockReasoningFor(script.conversation.lastUserText) : undefined;
    if (match[2] === "converse-stream") {
      res.writeHead(200, { "content-type": "application/vnd.amazon.eventstream", "x-amzn-requestid": `req${seq}` });
      const frames = converseStreamFrames(reply, prompt, `tooluse_${seq}`, reasoning);
      await writeFrames(res, frames, fault, options.chunkDelayMs);
      return;
    }
    const content: Json[] = reasoning
      ? [{ reasoningContent: { reasoningText: { text: reasoning, signature: bedrockReasoningSignature(reasoning) } } }]
      : [];
    if (reply.kind === "text") content.push({ text: reply.words.join(" ") });
    else {
      if (reply.preamble) content.push({ text: reply.preamble });
      content.push({ toolUse: { toolUseId: `tooluse_${seq}`, name: reply.name, input: reply.args } });
    }
    const out = reply.kind === "text" ? reply.words.length : 5;
    res.writeHead(200, { "content-type": "application/json", "x-amzn-requestid": `req${seq}` });
    res.end(
      JSON.stringify({
        output: { message: { role: "assistant", content } },
        stopReason: stopReason(reply),
        usage: { inputTokens: prompt, outputTokens: out, totalTokens: prompt + out },
        metrics: { latencyMs: 12 },
      }),
    );
  }

  const server = await startFakeServer(handle);
  return Object.assign(server, {
    region: options.region,
    failNextClaudeStream: (type: string, message: string) => void claude.streamExceptions.push({ type, message }),
  });
}
