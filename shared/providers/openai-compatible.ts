import { ENDPOINT_ROWS, ENDPOINTS, type EndpointRow, isTemplated, upstreamPath } from "../core/endpoints";
import { AuthenticationError, BadRequestError, type ErrorBody } from "../core/errors";
import { customHostBase } from "./adapter-kit";
import { defineProvider, type EndpointTransforms } from "./define-provider";
import { toOpenAIErrorBody } from "./openai-errors";
import { readOpenAIUsage, SsePassThrough, USAGE_KEY } from "./sse-usage-scanner";
import type { Endpoint, ProviderAdapter, TransformContext, TranslatedResponse, UpstreamRequest } from "./types";

/** The default: every endpoint of OpenAI's API (a row with `openAI: false` only when listed). */
export const ALL_ENDPOINTS: readonly Endpoint[] = ENDPOINT_ROWS.filter((row) => row.openAI !== false).map(
  (r) => r.endpoint,
);

export interface OpenAICompatibleOptions {
  readonly id: string;
  /** Base URL including the version segment, e.g. `https://api.groq.com/openai/v1`. Omit when a host is required. */
  readonly baseUrl?: string;
  readonly endpoints?: readonly Endpoint[];
  /** Whether a call without a key should be refused before it leaves the gateway. */
  readonly requiresKey?: boolean;
  /**
   * What the gateway adds after a custom host (`customHostBase`): the part of the base URL Portkey writes in its
   * endpoint path (`/v1` for together-ai, whose Portkey base URL is `https://api.together.xyz`; Ollama hosts are
   * given as `http://host:11434`). Default none: the custom host replaces the whole base URL, version included.
   */
  readonly customHostSuffix?: string;
  /** Extra static headers the provider wants. */
  readonly extraHeaders?: Readonly<Record<string, string>>;
  /** Builds the full URL of an endpoint (Azure puts deployment and api-version in it); default base + path. */
  readonly urlFor?: (ctx: TransformContext, path: string) => string;
  /** The credential header(s) for a key; default `Authorization: Bearer <key>`. */
  readonly authHeaders?: (key: string) => Record<string, string>;
  /**
   * The provider honours `stream_options.include_usage`: on endpoints whose streams carry usage (the endpoint
   * table's `stream.usage`) the gateway always asks for it (for cost, budgets and logs) and, when the client did
   * not ask, removes the usage-only chunk before it is sent on.
   */
  readonly streamUsage?: boolean;
  /** What differs from OpenAI on one endpoint (Mistral's chat): a rewrite of the JSON body, its own stream. */
  readonly endpointOverrides?: { readonly [E in Endpoint]?: OpenAIEndpointOverride };
  /** Native error body -> OpenAI's; default `toOpenAIErrorBody` (OpenAI's shape and its common deviations). */
  readonly mapError?: (status: number, body: Buffer, ctx: TransformContext) => ErrorBody;
}

export interface OpenAIEndpointOverride {
  /**
   * Rewrites the JSON body for a provider that differs slightly from OpenAI; returns the new body and the
   * parameters it dropped. Without it the client's bytes are forwarded unchanged.
   */
  readonly rewriteBody?: (ctx: TransformContext) => { body: Record<string, unknown>; dropped: readonly string[] };
  readonly stream?: EndpointTransforms["stream"];
}

/** The audio type of `/audio/speech` answers by `response_format` (OpenAI's default is mp3). */
const SPEECH_TYPES: Readonly<Record<string, string>> = {
  mp3: "audio/mpeg",
  opus: "audio/opus",
  aac: "audio/aac",
  flac: "audio/flac",
  wav: "audio/wav",
  pcm: "audio/pcm",
};

function speechContentType(format: unknown): string {
  return (
    (typeof format === "string" && SPEECH_TYPES[format]) ||
    (format === undefined ? "audio/mpeg" : "application/octet-stream")
  );
}

/** The client asked for no usage: the gateway asks for it and strips the usage-only chunk again. */
function wantsInjectedUsage(ctx: TransformContext): boolean {
  return (
    ctx.body.stream === true &&
    (ctx.body.stream_options as { include_usage?: unknown } | undefined)?.include_usage !== true
  );
}

/** `,"stream_options":{"include_usage":true}}`: what closes a client's body that named no stream options. */
const INCLUDE_USAGE_TAIL = Buffer.from(',"stream_options":{"include_usage":true}}');

/**
 * The body with `stream_options.include_usage: true`. A body sent as the client wrote it with no `stream_options`
 * gets the option spliced in before its closing brace (a copy of its bytes, not a re-serialisation of a
 * conversation that may be megabytes long); any other body is serialised with the option set.
 */
function withIncludedUsage(ctx: TransformContext): string | Buffer {
  const raw = ctx.rawBody;
  if (!ctx.bodyChanged && ctx.body.stream_options === undefined) {
    let end = raw.length - 1;
    while (end > 0 && (raw[end] === 0x20 || raw[end] === 0x0a || raw[end] === 0x0d || raw[end] === 0x09)) end--;
    // the parse step read it as an object with `stream: true`, so it closes with `}` after at least one member
    if (raw[end] === 0x7d) return Buffer.concat([raw.subarray(0, end), INCLUDE_USAGE_TAIL]);
  }
  const streamOptions = (ctx.body.stream_options ?? {}) as Record<string, unknown>;
  return JSON.stringify({ ...ctx.body, stream_options: { ...streamOptions, include_usage: true } });
}

/** Answers from this size on are read from their tail first (`readTail`); smaller ones are parsed whole. */
const TAIL_READ_FROM_BYTES = 64 * 1024;
/** Most bytes a tail may have: the keys read from it are short. */
const TAIL_MAX_BYTES = 16 * 1024;
const MODEL_KEY = Buffer.from('"model":');

/**
 * `usage` and `model` of a large JSON answer, read from its last top-level keys without parsing the rest: an
 * embeddings answer (16 inputs x 1,536 floats is 500 KB) puts both after its data, and parsing it whole cost
 * ~7 ms of CPU. The tail from the earlier of the two keys' last occurrences, behind a `{`, parses as JSON only
 * when those keys sit at the top level (a nested key leaves closing brackets over). Undefined, or a tail without
 * both keys: parse it whole.
 */
function readTail(body: Buffer): { usage?: unknown; model?: unknown } | undefined {
  if (body[0] !== 0x7b) return undefined; // "{" first: a JSON object (OpenAI's answers never start with a space)
  const usageAt = body.lastIndexOf(USAGE_KEY);
  if (usageAt === -1 || body.length - usageAt > TAIL_MAX_BYTES) return undefined;
  const modelAt = body.lastIndexOf(MODEL_KEY);
  const start = modelAt !== -1 && body.length - modelAt <= TAIL_MAX_BYTES ? Math.min(modelAt, usageAt) : usageAt;
  try {
    const tail = JSON.parse(`{${body.toString("utf8", start)}`) as unknown;
    return tail && typeof tail === "object" ? (tail as { usage?: unknown; model?: unknown }) : undefined;
  } catch {
    return undefined;
  }
}

/** A JSON answer as it came, its `usage` and `model` read; a non-JSON one (text, srt, vtt transcriptions) as text. */
function jsonAnswer(_status: number, body: Buffer): TranslatedResponse {
  let usage: TranslatedResponse["usage"];
  let model: string | undefined;
  const tail = body.length >= TAIL_READ_FROM_BYTES ? readTail(body) : undefined;
  // both at the top level of the tail, or the answer is parsed whole (chat answers name the model first)
  if (tail && "usage" in tail && "model" in tail) {
    return {
      body,
      contentType: "application/json",
      usage: readOpenAIUsage(tail.usage),
      model: typeof tail.model === "string" ? tail.model : undefined,
    };
  }
  try {
    const parsed = JSON.parse(body.toString("utf8")) as { usage?: unknown; model?: unknown };
    usage = readOpenAIUsage(parsed.usage);
    model = typeof parsed.model === "string" ? parsed.model : undefined;
  } catch {
    return { body, contentType: "text/plain; charset=utf-8" };
  }
  return { body, contentType: "application/json", usage, model };
}

/** Only when something reads a `bytes` answer whole: the gateway streams those through (shared/gateway/attempt.ts). */
function bytesAnswer(_status: number, body: Buffer): TranslatedResponse {
  return { body, contentType: "application/octet-stream" };
}

function audioAnswer(_status: number, body: Buffer, ctx: TransformContext): TranslatedResponse {
  return { body, contentType: speechContentType(ctx.body.response_format) };
}

/**
 * Builds a provider whose wire format is OpenAI's: bodies go through unchanged, answers come back unchanged. Each
 * endpoint's transforms follow its row in the endpoint table (path, body kind, answer kind, stream).
 */
export function openAICompatible(options: OpenAICompatibleOptions): ProviderAdapter {
  const requiresKey = options.requiresKey ?? true;
  const suffix = options.customHostSuffix;

  function baseUrlFor(ctx: TransformContext): string {
    const custom = ctx.target.customHost;
    if (custom) return customHostBase(custom, suffix);
    if (!options.baseUrl) {
      throw new BadRequestError(`Provider ${options.id} needs a custom host (x-portkey-custom-host or custom_host).`, {
        param: "custom_host",
        code: "custom_host_required",
      });
    }
    return options.baseUrl;
  }

  function headersFor(ctx: TransformContext): Record<string, string> {
    const headers: Record<string, string> = { ...options.extraHeaders, ...ctx.target.forwardHeaders };
    const key = ctx.target.apiKey;
    if (key)
      Object.assign(headers, options.authHeaders ? options.authHeaders(key) : { authorization: `Bearer ${key}` });
    else if (requiresKey && !ctx.target.customHost) {
      throw new AuthenticationError(
        `No API key for provider ${options.id}: send it as "Authorization: Bearer ..." or use a virtual key.`,
        { code: "missing_provider_key" },
      );
    }
    return headers;
  }

  /** `injectUsage`: the gateway asks this endpoint's streams for the usage chunk the client did not ask for. */
  function requestFor(
    row: EndpointRow,
    rewrite: OpenAIEndpointOverride["rewriteBody"],
    injectUsage: boolean,
  ): EndpointTransforms["toRequest"] {
    const fixedPath = upstreamPath(row);
    // a templated row's upstream path is the client's own (its parameters checked by the route step); a
    // pass-through row keeps the client's query (`/files?purpose=batch`)
    const pathOf = isTemplated(row)
      ? (ctx: TransformContext) => `${(ctx.path ?? "").slice("/v1".length)}${ctx.search ?? ""}`
      : row.passThrough
        ? (ctx: TransformContext) => `${fixedPath}${ctx.search ?? ""}`
        : () => fixedPath;
    const urlOf = (ctx: TransformContext) =>
      options.urlFor ? options.urlFor(ctx, pathOf(ctx)) : baseUrlFor(ctx) + pathOf(ctx);
    const method = row.method;
    if (row.body === "none") return (ctx) => ({ headers: headersFor(ctx), url: urlOf(ctx), method });
    // the client's bytes and content type, unread (a multipart upload; any body on the catch-all)
    if (row.body === "multipart" || row.body === "raw") {
      return (ctx) => {
        const headers = headersFor(ctx);
        if (ctx.contentType) headers["content-type"] = ctx.contentType;
        return { url: urlOf(ctx), method, headers, body: ctx.rawBody };
      };
    }
    return (ctx): UpstreamRequest => {
      const headers = headersFor(ctx);
      const url = urlOf(ctx);
      headers["content-type"] = "application/json";
      if (rewrite) {
        const { body, dropped } = rewrite(ctx);
        return { url, method, headers, body: JSON.stringify(body), droppedParams: dropped };
      }
      if (injectUsage && wantsInjectedUsage(ctx)) return { url, method, headers, body: withIncludedUsage(ctx) };
      return { url, method, headers, body: ctx.bodyChanged ? JSON.stringify(ctx.body) : ctx.rawBody };
    };
  }

  function transformsFor(row: EndpointRow): EndpointTransforms {
    const override = options.endpointOverrides?.[row.endpoint];
    const injectUsage = options.streamUsage === true && row.stream !== false && row.stream.usage;
    const passThrough: EndpointTransforms["stream"] = (ctx) =>
      new SsePassThrough({ stripUsageChunk: injectUsage && wantsInjectedUsage(ctx) });
    return {
      toRequest: requestFor(row, override?.rewriteBody, injectUsage),
      fromResponse: row.answer === "audio" ? audioAnswer : row.answer === "bytes" ? bytesAnswer : jsonAnswer,
      ...(row.stream === false ? {} : { stream: override?.stream ?? passThrough }),
    };
  }

  const endpoints: { [E in Endpoint]?: EndpointTransforms } = {};
  for (const endpoint of options.endpoints ?? ALL_ENDPOINTS) endpoints[endpoint] = transformsFor(ENDPOINTS[endpoint]);
  return defineProvider({
    id: options.id,
    defaultBaseUrl: options.baseUrl,
    endpoints,
    mapError: options.mapError ?? ((status, body) => toOpenAIErrorBody(status, body, options.id)),
  });
}
