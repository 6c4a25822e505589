import type { ServerResponse } from "node:http";
import { type FakeContext, type FakeServer, type Fault, startFakeServer, writeFrames } from "./fake-server";

/**
 * A fake of OpenAI's API speaking its documented wire format: chat completions (JSON and SSE with
 * `stream_options.include_usage`), legacy completions, embeddings (float and base64; a hashed bag of words, see
 * `fakeEmbedding`), models, and errors.
 * "Tokens" are whitespace-separated words so tests can predict usage exactly.
 */
export interface OpenAIFakeOptions {
  /** When set, requests without `Authorization: Bearer <apiKey>` get OpenAI's 401. */
  readonly apiKey?: string;
  /** Delay between streamed events (ms). */
  readonly chunkDelayMs?: number;
  /** Reply text; default echoes the last user message. */
  readonly reply?: (lastUserText: string, model: string) => string;
  /** Name reported in `model` and errors. */
  readonly name?: string;
}

export interface OpenAIFake extends FakeServer {
  /** Base URL for OpenAI clients and `x-portkey-custom-host`: `<origin>/v1`. */
  readonly baseUrl: string;
}

type ChatMessage = { role: string; content: unknown };

/** One generation request: where to answer, what was asked, and the fault to play (if any). */
interface Call {
  readonly res: ServerResponse;
  readonly body: Record<string, unknown>;
  readonly model: string;
  readonly created: number;
  /** The request's sequence number (ids are `...-fake<n>`). */
  readonly n: number;
  readonly fault: Fault | undefined;
}

/** Dimensions of the fake's embeddings when the request names no `dimensions`. */
export const FAKE_EMBEDDING_DIMS = 256;

/**
 * The fake's deterministic, meaningful embedding: a hashed bag of words. Words are lower-cased runs of letters
 * and digits (so case and punctuation do not matter); each adds +1 or -1 (by hash) to one of `dims` slots (by
 * hash); the result is L2-normalised. Two texts with the same words are identical (cosine 1), texts sharing
 * k of their words have cosine of about k / sqrt(|a| |b|), unrelated texts about 0.
 */
export function fakeEmbedding(text: string, dims: number = FAKE_EMBEDDING_DIMS): number[] {
  const vector = new Array<number>(dims).fill(0);
  for (const word of text.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    if (!word) continue;
    const h = fnv1a(word);
    vector[h % dims] = (vector[h % dims] as number) + ((h >>> 16) & 1 ? 1 : -1);
  }
  const norm = Math.sqrt(vector.reduce((sum, v) => sum + v * v, 0));
  return norm === 0 ? vector : vector.map((v) => v / norm);
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function countTokens(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

function messageText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((p: { type?: string; text?: string }) => (p.type === "text" ? (p.text ?? "") : "")).join(" ");
  }
  return "";
}

function promptTokens(messages: ChatMessage[]): number {
  return messages.reduce((n, m) => n + countTokens(messageText(m.content)), 0);
}

function usageOf(prompt: number, completion: number) {
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function sendJson(res: ServerResponse, status: number, value: unknown, fault: Fault | undefined): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "x-request-id": `req_${Date.now()}` });
  if (fault?.kind === "reset-body") {
    res.write(text.slice(0, Math.floor(text.length / 2)));
    setTimeout(() => res.socket?.destroy(), 5);
    return;
  }
  res.end(fault?.kind === "truncate" ? text.slice(0, Math.floor(text.length / 2)) : text);
}

function error(
  res: ServerResponse,
  status: number,
  message: string,
  type: string,
  param: string | null,
  code: string | null,
): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ error: { message, type, param, code } }));
}

/** What `GET /v1/models` lists (and `GET /v1/models/{id}` finds), in OpenAI's model object shape. */
export const FAKE_MODELS = [
  { id: "gpt-4o-mini", object: "model", created: 1721172741, owned_by: "system" },
  { id: "text-embedding-3-small", object: "model", created: 1705948997, owned_by: "system" },
] as const;

export async function startOpenAIFake(options: OpenAIFakeOptions = {}): Promise<OpenAIFake> {
  let seq = 0;
  const reply = options.reply ?? ((last: string) => `You said: ${last}`);

  async function handle({ req, res, recorded, fault }: FakeContext): Promise<void> {
    const path = recorded.path.split("?")[0];
    if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      error(
        res,
        401,
        "Incorrect API key provided: sk-***. You can find your API key at https://platform.openai.com/account/api-keys.",
        "invalid_request_error",
        null,
        "invalid_api_key",
      );
      return;
    }
    if (req.method === "GET" && path === "/v1/models") {
      sendJson(res, 200, { object: "list", data: FAKE_MODELS }, fault);
      return;
    }
    if (req.method === "GET" && path?.startsWith("/v1/models/")) {
      const id = decodeURIComponent(path.slice("/v1/models/".length));
      const model = FAKE_MODELS.find((m) => m.id === id);
      if (model) sendJson(res, 200, model, fault);
      else error(res, 404, `The model '${id}' does not exist`, "invalid_request_error", "model", "model_not_found");
      return;
    }
    if (req.method !== "POST") {
      error(res, 404, `Invalid URL (${req.method} ${path})`, "invalid_request_error", null, null);
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = recorded.json();
    } catch {
      error(res, 400, "We could not parse the JSON body of your request.", "invalid_request_error", null, null);
      return;
    }
    const model = typeof body.model === "string" ? body.model : "";
    if (!model) {
      error(res, 400, "you must provide a model parameter", "invalid_request_error", null, null);
      return;
    }
    seq += 1;
    const created = Math.floor(Date.now() / 1000);
    const call: Call = { res, body, model, created, n: seq, fault };
    if (path === "/v1/chat/completions") return chat(call);
    if (path === "/v1/completions") return completion(call);
    if (path === "/v1/embeddings") return embeddings(res, body, model, fault);
    error(res, 404, `Invalid URL (POST ${path})`, "invalid_request_error", null, null);
  }

  async function chat({ res, body, model, created, n, fault }: Call): Promise<void> {
    const messages = Array.isArray(body.messages) ? (body.messages as ChatMessage[]) : [];
    if (messages.length === 0) {
      error(
        res,
        400,
        "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
        "invalid_request_error",
        "messages",
        "empty_array",
      );
      return;
    }
    const last = [...messages].reverse().find((m) => m.role === "user");
    const words = reply(messageText(last?.content), model).split(/\s+/).filter(Boolean);
    const limit = (body.max_completion_tokens ?? body.max_tokens) as number | undefined;
    const finish = limit !== undefined && words.length > limit ? "length" : "stop";
    const out = limit !== undefined ? words.slice(0, limit) : words;
    const prompt = promptTokens(messages);
    const id = `chatcmpl-fake${n}`;
    if (body.stream !== true) {
      sendJson(
        res,
        200,
        {
          id,
          object: "chat.completion",
          created,
          model,
          system_fingerprint: "fp_fake",
          choices: [
            {
              index: 0,
              message: { role: "assistant", content: out.join(" "), refusal: null, annotations: [] },
              logprobs: null,
              finish_reason: finish,
            },
          ],
          usage: usageOf(prompt, out.length),
          service_tier: "default",
        },
        fault,
      );
      return;
    }
    const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    const base = {
      id,
      object: "chat.completion.chunk",
      created,
      model,
      service_tier: "default",
      system_fingerprint: "fp_fake",
    };
    const events: unknown[] = [
      {
        ...base,
        choices: [
          { index: 0, delta: { role: "assistant", content: "", refusal: null }, logprobs: null, finish_reason: null },
        ],
      },
      ...out.map((w, i) => ({
        ...base,
        choices: [{ index: 0, delta: { content: i === 0 ? w : ` ${w}` }, logprobs: null, finish_reason: null }],
      })),
      { ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: finish }] },
    ];
    const withUsage = includeUsage ? events.map((e) => ({ ...(e as object), usage: null })) : events;
    if (includeUsage) withUsage.push({ ...base, choices: [], usage: usageOf(prompt, out.length) });
    await streamEvents(res, withUsage, fault);
  }

  async function streamEvents(res: ServerResponse, events: unknown[], fault: Fault | undefined): Promise<void> {
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "x-request-id": `req_${Date.now()}`,
    });
    const frames = events.map((event) => `data: ${JSON.stringify(event)}\n\n`);
    await writeFrames(res, frames, fault, options.chunkDelayMs, "data: [DONE]\n\n");
  }

  async function completion({ res, body, model, created, n, fault }: Call): Promise<void> {
    const prompt = typeof body.prompt === "string" ? body.prompt : "";
    const words = reply(prompt, model).split(/\s+/).filter(Boolean);
    const limit = body.max_tokens as number | undefined;
    const out = limit !== undefined ? words.slice(0, limit) : words;
    const finish = limit !== undefined && words.length > limit ? "length" : "stop";
    const id = `cmpl-fake${n}`;
    const usage = {
      prompt_tokens: countTokens(prompt),
      completion_tokens: out.length,
      total_tokens: countTokens(prompt) + out.length,
    };
    if (body.stream === true) {
      const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
      const base = { id, object: "text_completion", created, model };
      const events: unknown[] = out.map((w, i) => ({
        ...base,
        choices: [
          {
            text: i === 0 ? w : ` ${w}`,
            index: 0,
            logprobs: null,
            finish_reason: i === out.length - 1 ? finish : null,
          },
        ],
        ...(includeUsage ? { usage: null } : {}),
      }));
      // as OpenAI: with include_usage, a last chunk without choices carries the usage
      if (includeUsage) events.push({ ...base, choices: [], usage });
      await streamEvents(res, events, fault);
      return;
    }
    sendJson(
      res,
      200,
      {
        id,
        object: "text_completion",
        created,
        model,
        system_fingerprint: "fp_fake",
        choices: [{ text: out.join(" "), index: 0, logprobs: null, finish_reason: finish }],
        usage,
      },
      fault,
    );
  }

  function embeddings(
    res: ServerResponse,
    body: Record<string, unknown>,
    model: string,
    fault: Fault | undefined,
  ): void {
    const inputs = Array.isArray(body.input) ? (body.input as unknown[]) : [body.input];
    const dims = typeof body.dimensions === "number" ? body.dimensions : FAKE_EMBEDDING_DIMS;
    const base64 = body.encoding_format === "base64";
    let tokens = 0;
    const data = inputs.map((input, index) => {
      const text = String(input);
      tokens += countTokens(text);
      const vector = fakeEmbedding(text, dims);
      const embedding = base64 ? Buffer.from(new Float32Array(vector).buffer).toString("base64") : vector;
      return { object: "embedding", index, embedding };
    });
    sendJson(res, 200, { object: "list", data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } }, fault);
  }

  const server = await startFakeServer(handle);
  return Object.assign(server, { baseUrl: `${server.origin}/v1` });
}
