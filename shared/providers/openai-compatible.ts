import { AuthenticationError, BadRequestError } from "../core/errors";
import { toOpenAIErrorBody } from "./openai-errors";
import { readOpenAIUsage, SsePassThrough } from "./sse-usage-scanner";
import type {
  Endpoint,
  ProviderAdapter,
  StreamTranslator,
  TransformContext,
  TranslatedResponse,
  UpstreamRequest,
} from "./types";

/** Path of each endpoint below an OpenAI-style base URL (`.../v1`). */
export const OPENAI_PATHS: Readonly<Record<Endpoint, string>> = {
  chat: "/chat/completions",
  completions: "/completions",
  embeddings: "/embeddings",
  images: "/images/generations",
  speech: "/audio/speech",
  transcriptions: "/audio/transcriptions",
  moderations: "/moderations",
  models: "/models",
};

const ALL_ENDPOINTS: readonly Endpoint[] = Object.keys(OPENAI_PATHS) as Endpoint[];

export interface OpenAICompatibleOptions {
  readonly id: string;
  /** Base URL including the version segment, e.g. `https://api.groq.com/openai/v1`. Omit when a host is required. */
  readonly baseUrl?: string;
  readonly endpoints?: readonly Endpoint[];
  /** Whether a call without a key should be refused before it leaves the gateway. */
  readonly requiresKey?: boolean;
  /** Appended to a custom host that lacks it (Ollama hosts are given as `http://host:11434`). */
  readonly customHostSuffix?: string;
  /** Extra static headers the provider wants. */
  readonly extraHeaders?: Readonly<Record<string, string>>;
  /** Builds the full URL of an endpoint (Azure puts deployment and api-version in it); default base + path. */
  readonly urlFor?: (ctx: TransformContext, path: string) => string;
  /** The credential header(s) for a key; default `Authorization: Bearer <key>`. */
  readonly authHeaders?: (key: string) => Record<string, string>;
  /**
   * Rewrites a JSON body for a provider that differs slightly from OpenAI (Mistral); returns the new body and the
   * parameters it dropped. The raw bytes are forwarded unchanged when there is no rewrite.
   */
  readonly rewriteBody?: (ctx: TransformContext) => { body: Record<string, unknown>; dropped: readonly string[] };
  /**
   * The provider honours `stream_options.include_usage`: the gateway always asks for usage on chat streams (for
   * cost, budgets and logs) and, when the client did not ask, removes the usage-only chunk before it is sent on.
   */
  readonly streamUsage?: boolean;
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

function trimSlash(url: string): string {
  return url.endsWith("/") ? url.slice(0, -1) : url;
}

/** Builds a provider whose wire format is OpenAI's: bodies go through unchanged, answers come back unchanged. */
export function openAICompatible(options: OpenAICompatibleOptions): ProviderAdapter {
  const endpoints = new Set(options.endpoints ?? ALL_ENDPOINTS);
  const requiresKey = options.requiresKey ?? true;
  const suffix = options.customHostSuffix;

  function baseUrlFor(ctx: TransformContext): string {
    const custom = ctx.target.customHost;
    if (custom) {
      const trimmed = trimSlash(custom);
      return suffix && !trimmed.endsWith(suffix) ? trimmed + suffix : trimmed;
    }
    if (!options.baseUrl) {
      throw new BadRequestError(`Provider ${options.id} needs a custom host (x-portkey-custom-host or custom_host).`, {
        param: "custom_host",
        code: "custom_host_required",
      });
    }
    return options.baseUrl;
  }

  function toRequest(ctx: TransformContext): UpstreamRequest {
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
    const path = OPENAI_PATHS[ctx.endpoint];
    const url = options.urlFor ? options.urlFor(ctx, path) : baseUrlFor(ctx) + path;
    if (ctx.endpoint === "models") return { url, method: "GET", headers };
    if (ctx.endpoint === "transcriptions") {
      if (ctx.contentType) headers["content-type"] = ctx.contentType;
      return { url, method: "POST", headers, body: ctx.rawBody };
    }
    headers["content-type"] = "application/json";
    if (options.rewriteBody) {
      const { body, dropped } = options.rewriteBody(ctx);
      return { url, method: "POST", headers, body: JSON.stringify(body), droppedParams: dropped };
    }
    if (wantsInjectedUsage(ctx)) {
      const streamOptions = (ctx.body.stream_options ?? {}) as Record<string, unknown>;
      const body = { ...ctx.body, stream_options: { ...streamOptions, include_usage: true } };
      return { url, method: "POST", headers, body: JSON.stringify(body) };
    }
    const body = ctx.bodyChanged ? JSON.stringify(ctx.body) : ctx.rawBody;
    return { url, method: "POST", headers, body };
  }

  function wantsInjectedUsage(ctx: TransformContext): boolean {
    return (
      options.streamUsage === true &&
      ctx.endpoint === "chat" &&
      ctx.body.stream === true &&
      (ctx.body.stream_options as { include_usage?: unknown } | undefined)?.include_usage !== true
    );
  }

  function fromResponse(_status: number, body: Buffer, ctx: TransformContext): TranslatedResponse {
    if (ctx.endpoint === "speech") return { body, contentType: speechContentType(ctx.body.response_format) };
    let usage: TranslatedResponse["usage"];
    let model: string | undefined;
    try {
      const parsed = JSON.parse(body.toString("utf8")) as { usage?: unknown; model?: unknown };
      usage = readOpenAIUsage(parsed.usage);
      model = typeof parsed.model === "string" ? parsed.model : undefined;
    } catch {
      // not JSON (text, srt or vtt transcriptions): forwarded unchanged as text
      return { body, contentType: "text/plain; charset=utf-8" };
    }
    return { body, contentType: "application/json", usage, model };
  }

  return {
    id: options.id,
    endpoints,
    defaultBaseUrl: options.baseUrl,
    toRequest,
    fromResponse,
    createStreamTranslator: (ctx): StreamTranslator => new SsePassThrough({ stripUsageChunk: wantsInjectedUsage(ctx) }),
    mapError: (status, body) => toOpenAIErrorBody(status, body, options.id),
    isStreaming: (ctx) => ctx.body.stream === true,
  };
}
