import type { Endpoint } from "../core/endpoints";
import type { ErrorBody } from "../core/errors";
import type { UpstreamRequest } from "../http/types";

/**
 * A provider is pure transforms: no I/O happens in here. The shared transport (`shared/http/upstream.ts`) does
 * the HTTP, the gateway core does retries and streaming. Shared types never import a provider.
 */
export type { Endpoint };

/** Token usage in OpenAI's terms, as far as the provider reports it. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cached_tokens?: number;
  cache_creation_tokens?: number;
  /** Of `cache_creation_tokens`, those written to a 1-hour cache (Anthropic `ttl: "1h"`), billed at 2x input. */
  cache_creation_1h_tokens?: number;
  reasoning_tokens?: number;
}

/** Everything an attempt knows about where it goes: resolved from headers, a config target or a virtual key. */
export interface ProviderTarget {
  readonly provider: string;
  /** The provider credential. Never logged, never echoed. */
  readonly apiKey?: string;
  /** Base URL override (`x-portkey-custom-host` / `custom_host`), already checked against the SSRF guard. */
  readonly customHost?: string;
  /** Provider-specific settings (Azure resource/deployment/api version, Bedrock region and credentials, ...). */
  readonly options?: Readonly<Record<string, string | undefined>>;
  /** Extra headers the client asked to forward (`x-portkey-forward-headers`). */
  readonly forwardHeaders?: Readonly<Record<string, string>>;
  /** The virtual key (slug) the credential and host come from; the request cannot move them to another host. */
  readonly virtualKey?: string;
}

/** What the transport sends (declared with the transport, shared/http/types.ts). */
export type { UpstreamRequest };

/** An answer read whole by `SideCalls.send`. */
export interface SideAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/**
 * The network a provider's `sign` step may use (a token exchange, STS, fetching an image): the shared transport,
 * so every URL passes the SSRF guard. The answer is read whole, refused past `maxBytes`.
 */
export interface SideCalls {
  /** `signal` defaults to the attempt's own (client abort, timeout, deadline). */
  send(req: UpstreamRequest, limits: { readonly maxBytes: number; readonly signal?: AbortSignal }): Promise<SideAnswer>;
  /** A pause of `ms` that ends early, rejecting, when the attempt does (client abort, timeout, deadline). */
  wait(ms: number): Promise<void>;
}

/** Per-call context handed to transforms (the endpoint and the OpenAI request as the client sent it). */
export interface TransformContext {
  readonly endpoint: Endpoint;
  readonly target: ProviderTarget;
  /** The parsed OpenAI-shaped request body (after override_params); `{}` for GET endpoints. */
  readonly body: Readonly<Record<string, unknown>>;
  /** The raw bytes of the client's body, for pass-through providers and multipart endpoints. */
  readonly rawBody: Buffer;
  /** The client's path (`/v1/responses/resp_1`) and query (`?limit=2`, or ""), for rows with a path template. */
  readonly path?: string;
  readonly search?: string;
  /** The client's content-type, for multipart pass-through. */
  readonly contentType?: string;
  /** True when `body` differs from `rawBody` (e.g. override_params applied) and must be re-serialised. */
  readonly bodyChanged: boolean;
}

/** A translated non-streaming answer: the OpenAI-shaped body to send, and the usage found in it. */
export interface TranslatedResponse {
  readonly body: string | Buffer;
  readonly contentType: string;
  readonly usage?: Usage;
  /** The model that actually answered, when the provider says. */
  readonly model?: string;
}

/**
 * Turns a provider's stream into OpenAI `chat.completion.chunk` SSE bytes, incrementally. `push` may be called
 * with the stream split at any byte; output is whatever is complete so far.
 */
export interface StreamTranslator {
  push(chunk: Buffer): string | Buffer;
  /** The upstream ended normally: flush the rest (including `data: [DONE]` when the client expects it). */
  end(): string | Buffer;
  /** Usage seen in the stream so far (the final chunk usually carries it). */
  readonly usage: Usage | undefined;
  readonly model: string | undefined;
  /** True once the provider signalled a clean end (e.g. `[DONE]`, `message_stop`). */
  readonly finished: boolean;
  /**
   * Set when the provider reported an error inside the stream (Anthropic `event: error`, a Bedrock exception
   * frame). The translator has already written it as an SSE error event and ended the stream (`finished` is
   * true); the gateway should log the request as failed with this body.
   */
  readonly error?: ErrorBody;
  /**
   * The SSE event(s) that end this stream when the gateway fails it mid-way (a stall, a cut, the deadline), in the
   * endpoint's own wire format; absent: OpenAI's `data: {"error":...}` event.
   */
  errorEvent?(error: ErrorBody): string;
}

/**
 * What the gateway calls. Built by `defineProvider` (define-provider.ts) from a provider's per-endpoint transforms:
 * each method runs the transform of `ctx.endpoint`, and an endpoint the provider does not serve is the one
 * `unsupported_endpoint` error.
 */
export interface ProviderAdapter {
  readonly id: string;
  /** The endpoints it serves, in the endpoint table's order. */
  readonly endpoints: ReadonlySet<Endpoint>;
  /** Those of them it serves through the chat translation layer (protocols/via-chat.ts), not natively. */
  readonly viaChat: ReadonlySet<Endpoint>;
  /** Default base URL when the target has no custom host; undefined when it must be configured. */
  readonly defaultBaseUrl?: string;
  /** Throws the 400 `unsupported_endpoint` when the provider does not serve `endpoint`. */
  requireEndpoint(endpoint: Endpoint): void;
  toRequest(ctx: TransformContext): UpstreamRequest;
  /**
   * The gateway's own answer for an endpoint it answers without an upstream call for this provider
   * (protocols/local-answers.ts), else undefined: the attempt then calls the upstream.
   */
  localAnswer?(ctx: TransformContext): TranslatedResponse | undefined;
  /**
   * Optional async step after `toRequest` (SigV4 signing, an OAuth token, STS credentials, image bytes). Its
   * network calls go through `io` (the shared transport and its SSRF guard), never around it.
   */
  sign?(req: UpstreamRequest, ctx: TransformContext, io?: SideCalls): Promise<UpstreamRequest>;
  fromResponse(status: number, body: Buffer, ctx: TransformContext): TranslatedResponse;
  /**
   * Optional, for providers whose 2xx answer can be a ticket for a result still being made (ModelsLab's
   * `"status": "processing"`): follows it up through `io` (polls, within the attempt's timeout) and returns the
   * final body for `fromResponse`. `req` is the request the ticket answers. Absent: the answer is final.
   */
  followUp?(body: Buffer, req: UpstreamRequest, ctx: TransformContext, io: SideCalls): Promise<Buffer>;
  createStreamTranslator(ctx: TransformContext): StreamTranslator;
  /** Native error body -> OpenAI error body (status kept by the caller). */
  mapError(status: number, body: Buffer, ctx: TransformContext): ErrorBody;
  /** True when the request asks for a stream (`stream: true`) on an endpoint that streams with this provider. */
  isStreaming(ctx: TransformContext): boolean;
}
