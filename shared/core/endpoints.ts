/**
 * The data-plane endpoints, declared once. Everything that differs per endpoint is a column here; the lists the
 * rest of the gateway reads derive from it: the routes (`DATA_PLANE_ROUTES`, the CDK resources), the upstream
 * path below an OpenAI-style base URL, the cacheable and guarded sets, the budget estimate, and whether
 * `stream: true` streams. Providers say which endpoints they serve with `defineProvider`
 * (shared/providers/define-provider.ts). Imports nothing: every layer may read it.
 */
export interface EndpointSpec {
  /**
   * The gateway's path (OpenAI's). Below an OpenAI-style base URL (`.../v1`) the upstream path is the same without
   * `/v1`. A `{name}` segment (`/v1/responses/{id}`) matches one path segment of ids and slugs
   * (`[A-Za-z0-9._~:-]`); the upstream then gets the client's own path. Method and path together are unique.
   */
  readonly path: `/v1/${string}`;
  readonly method: "GET" | "POST" | "DELETE";
  /** The request body: JSON (parsed once), multipart (forwarded as the client's bytes) or none (GET). */
  readonly body: "json" | "multipart" | "none";
  /**
   * The answer: OpenAI's JSON, whose `usage` object says what the call used (a plain-text answer, e.g. a `srt`
   * transcription, passes as text), or audio bytes (no usage; the content type follows `response_format`).
   */
  readonly answer: "json" | "audio";
  /**
   * `stream: true` in the body asks for Server-Sent Events (false: the flag is the upstream's business and the
   * answer is read whole). `usage`: the final chunk carries the usage when `stream_options.include_usage` asks
   * for it, so the gateway asks OpenAI-family providers for it.
   */
  readonly stream: false | { readonly usage: boolean };
  /** Answers may be served from the response cache (JSON documents without side effects). */
  readonly cacheable: boolean;
  /** Guardrail hooks run on it (as Portkey: chat and text completions). */
  readonly guarded: boolean;
  /**
   * The budget reservation before the call: the body field whose text is the prompt (undefined: none is read,
   * e.g. a multipart upload), and whether completion tokens are reserved (`max_completion_tokens` / `max_tokens`
   * x `n`, else the default cap).
   */
  readonly estimate: { readonly prompt: string | undefined; readonly completion: boolean };
  /**
   * False for an endpoint OpenAI's API lacks (rerank, as Cohere and Portkey shape it): OpenAI-compatible providers
   * serve it only when they list it.
   */
  readonly openAI?: false;
}

const TABLE = {
  chat: {
    path: "/v1/chat/completions",
    method: "POST",
    body: "json",
    answer: "json",
    stream: { usage: true },
    cacheable: true,
    guarded: true,
    estimate: { prompt: "messages", completion: true },
  },
  completions: {
    path: "/v1/completions",
    method: "POST",
    body: "json",
    answer: "json",
    stream: { usage: true },
    cacheable: true,
    guarded: true,
    estimate: { prompt: "prompt", completion: true },
  },
  embeddings: {
    path: "/v1/embeddings",
    method: "POST",
    body: "json",
    answer: "json",
    stream: false,
    cacheable: true,
    guarded: false,
    estimate: { prompt: "input", completion: false },
  },
  images: {
    path: "/v1/images/generations",
    method: "POST",
    body: "json",
    answer: "json",
    // gpt-image-1 streams partial images (`stream: true`); they are passed through as they come
    stream: { usage: false },
    cacheable: false,
    guarded: false,
    estimate: { prompt: "prompt", completion: true },
  },
  speech: {
    path: "/v1/audio/speech",
    method: "POST",
    body: "json",
    answer: "audio",
    stream: false,
    cacheable: false,
    guarded: false,
    estimate: { prompt: "input", completion: true },
  },
  transcriptions: {
    path: "/v1/audio/transcriptions",
    method: "POST",
    body: "multipart",
    answer: "json",
    stream: false,
    cacheable: false,
    guarded: false,
    estimate: { prompt: undefined, completion: true },
  },
  moderations: {
    path: "/v1/moderations",
    method: "POST",
    body: "json",
    answer: "json",
    stream: false,
    cacheable: false,
    guarded: false,
    estimate: { prompt: "input", completion: false },
  },
  models: {
    path: "/v1/models",
    method: "GET",
    body: "none",
    answer: "json",
    stream: false,
    cacheable: false,
    guarded: false,
    estimate: { prompt: undefined, completion: true },
  },
  model: {
    path: "/v1/models/{model}",
    method: "GET",
    body: "none",
    answer: "json",
    stream: false,
    cacheable: false,
    guarded: false,
    estimate: { prompt: undefined, completion: true },
  },
  rerank: {
    path: "/v1/rerank",
    method: "POST",
    body: "json",
    answer: "json",
    stream: false,
    cacheable: true,
    guarded: false,
    // the documents carry nearly all of the text; the query is one more search string
    estimate: { prompt: "documents", completion: false },
    openAI: false,
  },
} as const satisfies Record<string, EndpointSpec>;

/** A data-plane endpoint's name: a key of the table. */
export type Endpoint = keyof typeof TABLE;

/** One row with its name. */
export interface EndpointRow extends EndpointSpec {
  readonly endpoint: Endpoint;
}

/** The table by name (frozen; one property read per lookup). */
export const ENDPOINTS: Readonly<Record<Endpoint, EndpointRow>> = Object.freeze(
  Object.fromEntries(
    Object.entries(TABLE).map(([endpoint, spec]) => [endpoint, Object.freeze({ endpoint, ...spec } as EndpointRow)]),
  ) as Record<Endpoint, EndpointRow>,
);

/** Every row, in table order. */
export const ENDPOINT_ROWS: readonly EndpointRow[] = Object.freeze(Object.values(ENDPOINTS));

/** The endpoints whose row satisfies `test`, as a set (built once by the module that needs it). */
export function endpointsWhere(test: (row: EndpointRow) => boolean): ReadonlySet<Endpoint> {
  return new Set(ENDPOINT_ROWS.filter(test).map((row) => row.endpoint));
}

/** True when the row's path has `{name}` segments (the upstream path is then the client's, see `upstreamPath`). */
export function isTemplated(row: EndpointSpec): boolean {
  return row.path.includes("{");
}

/**
 * The path of an endpoint below an OpenAI-style base URL that ends in the version segment (`/chat/completions`);
 * for a templated row, the template (the transform uses the client's path instead).
 */
export function upstreamPath(row: EndpointSpec): string {
  return row.path.slice("/v1".length);
}
