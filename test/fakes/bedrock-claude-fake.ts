import type { ServerResponse } from "node:http";
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import { answerMessages, type MessagesState } from "./anthropic-fake";
import { type Fault, writeFrames } from "./fake-server";

/**
 * Claude on the Bedrock runtime fake, in AWS's documented wire format ("Anthropic Claude Messages API" and
 * "CountTokens" in the Bedrock user guide): `POST /model/{modelId}/invoke` and `/invoke-with-response-stream`
 * take Anthropic's Messages body with `anthropic_version: "bedrock-2023-05-31"` and without `model` and `stream`
 * (an extraneous key is a 400 ValidationException), `anthropic_beta` as a list of strings; the answer is Anthropic's
 * message (its `model` Anthropic's name), the stream one event-stream message per Anthropic event (`:event-type
 * chunk`, payload `{"bytes": base64 JSON}`), the last (`message_stop`) carrying `amazon-bedrock-invocationMetrics`.
 * `POST /model/{modelId}/count-tokens` takes `{"input":{"invokeModel":{"body": base64}}}` for a foundation
 * model id only (an inference profile is refused, as AWS does) and answers `{"inputTokens": n}`.
 * The conversation itself is the Anthropic fake's (`answerMessages`): thinking, tools and signatures alike.
 */
export type ClaudeAction = "invoke" | "invoke-with-response-stream" | "count-tokens";

type Json = Record<string, unknown>;

export type ClaudeFail = (res: ServerResponse, status: number, type: string, message: string) => void;

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/** Anthropic's model name for a Bedrock id: `us.anthropic.claude-x-20250101-v1:0` -> `claude-x-20250101`. */
export function claudeName(modelId: string): string {
  const id = modelId.slice(modelId.lastIndexOf("/") + 1);
  return id.slice(id.indexOf("anthropic.") + "anthropic.".length).replace(/-v\d+(:\d+)?$/, "");
}

function eventMessage(headers: Record<string, string>, payload: Json): Buffer {
  const encoded = Object.fromEntries(
    Object.entries(headers).map(([k, v]) => [k, { type: "string" as const, value: v }]),
  );
  return Buffer.from(codec.encode({ headers: encoded, body: fromUtf8(JSON.stringify(payload)) }));
}

/** One InvokeModelWithResponseStream chunk: an Anthropic event as base64 `bytes`. */
export function claudeChunkFrame(event: Json): Buffer {
  const bytes = Buffer.from(JSON.stringify(event)).toString("base64");
  return eventMessage(
    { ":event-type": "chunk", ":content-type": "application/json", ":message-type": "event" },
    { bytes, p: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ" },
  );
}

/** An exception message of InvokeModelWithResponseStream (`throttlingException`, `modelStreamErrorException` ...). */
export function claudeExceptionFrame(exceptionType: string, message: string): Buffer {
  return eventMessage(
    { ":exception-type": exceptionType, ":content-type": "application/json", ":message-type": "exception" },
    { message },
  );
}

/** The body's keys Bedrock refuses for Claude, and its version check, as a ValidationException message. */
function refused(body: Json): string | undefined {
  for (const key of ["model", "stream"]) {
    if (key in body) return `The model returned the following errors: ${key}: Extra inputs are not permitted`;
  }
  if (body.anthropic_version !== "bedrock-2023-05-31") {
    return "The model returned the following errors: anthropic_version: Input should be 'bedrock-2023-05-31'";
  }
  const beta = body.anthropic_beta;
  if (beta !== undefined && (!Array.isArray(beta) || beta.some((b) => typeof b !== "string"))) {
    return "The model returned the following errors: anthropic_beta: Input should be a valid list of strings";
  }
  return undefined;
}

export interface ClaudeRequest {
  readonly res: ServerResponse;
  readonly action: ClaudeAction;
  readonly modelId: string;
  readonly body: Json;
  readonly fault: Fault | undefined;
  readonly seq: number;
}

/** Exceptions the next streams open with (one per stream, then normal streams again). */
export interface ClaudeFakeState extends MessagesState {
  readonly streamExceptions: { type: string; message: string }[];
}

export async function answerClaude(r: ClaudeRequest, state: ClaudeFakeState, fail: ClaudeFail, delayMs = 0) {
  const { res, action, modelId } = r;
  let body = r.body;
  if (action === "count-tokens") {
    if (modelId !== modelId.replace(/^[a-z-]+\.(?=anthropic\.)/, "")) {
      return fail(res, 400, "ValidationException", "The provided model doesn't support counting tokens.");
    }
    const encoded = ((body.input as Json | undefined)?.invokeModel as Json | undefined)?.body;
    if (typeof encoded !== "string") return fail(res, 400, "ValidationException", "input.invokeModel.body is required");
    body = JSON.parse(Buffer.from(encoded, "base64").toString("utf8")) as Json;
  }
  const problem = refused(body);
  if (problem) return fail(res, 400, "ValidationException", problem);
  const mode = action === "count-tokens" ? "count" : action === "invoke" ? "message" : "stream";
  const outcome = answerMessages({ ...body, model: claudeName(modelId) }, state, mode);
  if ("error" in outcome)
    return fail(res, 400, "ValidationException", `The model returned the following errors: ${outcome.error}`);
  if ("count" in outcome) {
    res.writeHead(200, { "content-type": "application/json", "x-amzn-requestid": `count${r.seq}` });
    res.end(JSON.stringify({ inputTokens: outcome.count }));
    return;
  }
  const usage = outcome.message.usage as Json;
  if (mode === "message") {
    res.writeHead(200, {
      "content-type": "application/json",
      "x-amzn-requestid": `req${r.seq}`,
      "x-amzn-bedrock-input-token-count": String(usage.input_tokens),
      "x-amzn-bedrock-output-token-count": String(usage.output_tokens),
    });
    res.end(JSON.stringify(outcome.message));
    return;
  }
  res.writeHead(200, { "content-type": "application/vnd.amazon.eventstream", "x-amzn-requestid": `req${r.seq}` });
  const exception = state.streamExceptions.shift();
  if (exception) {
    res.end(claudeExceptionFrame(exception.type, exception.message));
    return;
  }
  const frames: Buffer[] = [];
  for (const sse of outcome.events) {
    const data = /^data: (.*)$/m.exec(sse)?.[1];
    const event = data ? (JSON.parse(data) as Json) : undefined;
    if (!event || event.type === "ping") continue;
    if (event.type === "message_stop") {
      event["amazon-bedrock-invocationMetrics"] = {
        inputTokenCount: usage.input_tokens,
        outputTokenCount: usage.output_tokens,
        invocationLatency: 120,
        firstByteLatency: 40,
        cacheReadInputTokenCount: usage.cache_read_input_tokens,
        cacheWriteInputTokenCount: usage.cache_creation_input_tokens,
      };
    }
    frames.push(claudeChunkFrame(event));
  }
  await writeFrames(res, frames, r.fault, delayMs);
}
