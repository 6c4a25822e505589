/**
 * The data-plane endpoints, declared once. Everything that differs per endpoint is a column here; the lists the
 * rest of the gateway reads derive from it: the routes (`DATA_PLANE_ROUTES`, the CDK resources), the upstream
 * path below an OpenAI-style base URL, the cacheable and guarded sets, the budget estimate, and whether
 * `stream: true` streams. Providers say which endpoints they serve with `defineProvider`
 * (shared/providers/define-provider.ts). Imports nothing but its own pass-through rows: every layer may read it.
 */
import { CATCH_ALL_PATH, PASS_THROUGH_ENDPOINTS } from "./pass-through-endpoints";

export interface EndpointSpec {
  /**
   * The gateway's path (OpenAI's). Below an OpenAI-style base URL (`.../v1`) the upstream path is the same without
   * `/v1`. A `{name}` segment (`/v1/responses/{id}`) matches one path segment of ids and slugs
   * (`[A-Za-z0-9._~:-]`); the upstream then gets the client's own path. Method and path together are unique.
   * `/v1/{proxy+}` is the catch-all: any other path below `/v1/` (declared rows always win; see `isCatchAll`).
   */
  readonly path: `/v1/${string}`;
  readonly method: "GET" | "POST" | "DELETE";
  /**
   * The request body: JSON (parsed once), multipart (forwarded as the client's bytes), raw (the client's bytes and
   * content type forwarded unread, whatever they are) or none (GET, and POSTs like `/v1/batches/{id}/cancel`).
   */
  readonly body: "json" | "multipart" | "raw" | "none";
  /**
   * The answer: OpenAI's JSON, whose `usage` object says what the call used (a plain-text answer, e.g. a `srt`
   * transcription, passes as text), audio bytes (no usage; the content type follows `response_format`), or
   * bytes: the upstream's answer streamed through as it comes, with its content type (file contents, possibly
   * large; never read whole, never logged, no usage).
   */
  readonly answer: "json" | "audio" | "bytes";
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
   * The budget reservation before the call, an upper bound of what the provider reports (shared/limits/pricing.ts,
   * ADR 0026): `prompt`, the body fields whose text the provider reads as prompt (undefined: none, e.g. a multipart
   * upload); `completion`, the fields that cap the completion (the largest present counts, else the default cap;
   * `true`: `max_completion_tokens`, `max_tokens`; `false`: none reserved); `choices`, the fields that multiply it
   * (the largest; default `n`); `batch`, a prompt field that, when it is a list of prompts, answers each;
   * `pairs`, a field whose text is read once more with each item of a list field.
   */
  readonly estimate: {
    readonly prompt: string | readonly string[] | undefined;
    readonly completion: boolean | readonly string[];
    readonly choices?: readonly string[];
    readonly batch?: string;
    readonly pairs?: readonly [string, string];
  };
  /**
   * What the parse step checks in a JSON body before any upstream call (shared/gateway/body-rules.ts): a 400
   * naming the `param` when a required field is missing or a declared field has the wrong type. Fields not
   * declared pass through untouched (providers add fields often). Omitted: any JSON object.
   */
  readonly validate?: BodyRules;
  /**
   * False for an endpoint OpenAI's API lacks (rerank, as Cohere and Portkey shape it): OpenAI-compatible providers
   * serve it only when they list it.
   */
  readonly openAI?: false;
  /**
   * A pass-through row (docs/pass-through.md, ADR 0028): the resource it names (a file, a batch, a fine-tuning
   * job) lives in one upstream account, so the call goes to the plan's first target only, once (no retries, no
   * fallback), and it carries no token usage (the budget reserves nothing for it).
   */
  readonly passThrough?: true;
  /**
   * The API whose clients call this row, when it is not OpenAI's: `anthropic` (the Messages API). Its clients get
   * every error in that API's shape and status codes (`renderError`), send the provider credential in `x-api-key`
   * or `Authorization: Bearer`, and reach `anthropic` when they name no provider (docs/anthropic-messages.md).
   */
  readonly api?: "anthropic";
}

/** A JSON value's kind as a body rule names it (`integer`: a number without a fraction). */
export type JsonKind = "string" | "integer" | "number" | "boolean" | "array" | "object";

/** One declared field. `null` is taken as absent (OpenAI's optional parameters are nullable). */
export interface FieldRule {
  /** The kinds the value may have. */
  readonly type: JsonKind | readonly JsonKind[];
  /** Integers and numbers: the least value allowed. */
  readonly min?: number;
  /** Strings: the values allowed. */
  readonly enum?: readonly string[];
  /** Arrays: the least length. */
  readonly minItems?: number;
  /** Arrays: each item is an object following these rules. */
  readonly items?: BodyRules;
}

/** The rules of a JSON object: the fields it must have (present and not null) and the types of declared fields. */
export interface BodyRules {
  readonly required?: readonly string[];
  readonly fields?: Readonly<Record<string, FieldRule>>;
}

/** OpenAI's sampling fields, shared by chat and completions. */
const SAMPLING: Readonly<Record<string, FieldRule>> = {
  stream: { type: "boolean" },
  n: { type: "integer", min: 1 },
  max_tokens: { type: "integer", min: 0 },
  temperature: { type: "number" },
  top_p: { type: "number" },
};
const TEXT_OR_LIST: FieldRule = { type: ["string", "array"] };

const CHAT_MESSAGE: BodyRules = {
  required: ["role"],
  fields: {
    role: { type: "string", enum: ["system", "developer", "user", "assistant", "tool", "function"] },
    content: { type: ["string", "array"], items: {} },
  },
};

/** A row without a body (a list or a read, `GET`/`DELETE`): a JSON answer, nothing cached or guarded, no tokens. */
function bodiless<const P extends `/v1/${string}`, const M extends "GET" | "DELETE">(path: P, method: M) {
  return {
    path,
    method,
    body: "none",
    answer: "json",
    stream: false,
    cacheable: false,
    guarded: false,
    estimate: { prompt: undefined, completion: false },
  } as const;
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
    // tool and function definitions and a response schema reach the model's prompt too
    estimate: { prompt: ["messages", "tools", "functions", "response_format"], completion: true },
    validate: {
      required: ["messages"],
      fields: {
        ...SAMPLING,
        messages: { type: "array", minItems: 1, items: CHAT_MESSAGE },
        max_completion_tokens: { type: "integer", min: 0 },
        tools: { type: "array", items: {} },
      },
    },
  },
  completions: {
    path: "/v1/completions",
    method: "POST",
    body: "json",
    answer: "json",
    stream: { usage: true },
    cacheable: true,
    guarded: true,
    // best_of candidates are generated (and billed) server-side; a list of prompts answers each one
    estimate: { prompt: "prompt", completion: true, choices: ["n", "best_of"], batch: "prompt" },
    validate: {
      required: ["prompt"],
      fields: { ...SAMPLING, prompt: TEXT_OR_LIST, best_of: { type: "integer", min: 1 } },
    },
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
    validate: { required: ["input"], fields: { input: TEXT_OR_LIST } },
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
    validate: {
      required: ["prompt"],
      fields: { prompt: { type: "string" }, n: { type: "integer", min: 1 }, stream: { type: "boolean" } },
    },
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
    // a custom voice is an object (`{"id": "voice_1234"}`)
    validate: {
      required: ["input", "voice"],
      fields: { input: { type: "string" }, voice: { type: ["string", "object"] } },
    },
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
    validate: { required: ["input"], fields: { input: TEXT_OR_LIST } },
  },
  models: bodiless("/v1/models", "GET"),
  model: bodiless("/v1/models/{model}", "GET"),
  rerank: {
    path: "/v1/rerank",
    method: "POST",
    body: "json",
    answer: "json",
    stream: false,
    cacheable: true,
    guarded: false,
    // rerankers read the query once with every document (Voyage, Jina bill query x documents + documents)
    estimate: { prompt: ["query", "documents"], completion: false, pairs: ["query", "documents"] },
    validate: {
      required: ["query", "documents"],
      fields: { query: { type: "string" }, documents: { type: "array" }, top_n: { type: "integer", min: 1 } },
    },
    openAI: false,
  },
  // OpenAI's Responses API (docs/responses.md): openai and azure-openai serve it natively, every other chat
  // provider through the chat translation layer (shared/providers/protocols/responses-protocol.ts)
  responses: {
    path: "/v1/responses",
    method: "POST",
    body: "json",
    answer: "json",
    // the usage is in `response.completed`, whatever the request says
    stream: { usage: false },
    cacheable: true,
    guarded: true,
    estimate: { prompt: ["instructions", "input", "tools", "text"], completion: ["max_output_tokens"] },
    validate: {
      fields: {
        input: TEXT_OR_LIST,
        instructions: { type: "string" },
        stream: { type: "boolean" },
        store: { type: "boolean" },
        max_output_tokens: { type: "integer", min: 1 },
        temperature: { type: "number" },
        top_p: { type: "number" },
        previous_response_id: { type: "string" },
        tools: { type: "array" },
      },
    },
    openAI: false,
  },
  responses_get: { ...bodiless("/v1/responses/{id}", "GET"), openAI: false },
  responses_delete: { ...bodiless("/v1/responses/{id}", "DELETE"), openAI: false },
  responses_input_items: { ...bodiless("/v1/responses/{id}/input_items", "GET"), openAI: false },
  // Anthropic's Messages API: native on anthropic, through the chat layer elsewhere (ADR 0030). Streamed answers
  // stay out of the cache (its collector and replay speak chat completions); JSON answers are cached.
  messages: {
    path: "/v1/messages",
    method: "POST",
    body: "json",
    answer: "json",
    stream: { usage: false },
    cacheable: true,
    guarded: true,
    estimate: { prompt: ["system", "messages", "tools"], completion: ["max_tokens"] },
    validate: {
      required: ["messages", "max_tokens"],
      fields: {
        messages: {
          type: "array",
          items: {
            required: ["role"],
            fields: { role: { type: "string", enum: ["user", "assistant"] }, content: { type: ["string", "array"] } },
          },
        },
        system: { type: ["string", "array"] },
        max_tokens: { type: "integer", min: 1 },
        stream: { type: "boolean" },
        temperature: { type: "number" },
        top_p: { type: "number" },
        top_k: { type: "integer", min: 0 },
        stop_sequences: { type: "array" },
        tools: { type: "array" },
      },
    },
    openAI: false,
    api: "anthropic",
  },
  messages_count_tokens: {
    path: "/v1/messages/count_tokens",
    method: "POST",
    body: "json",
    answer: "json",
    stream: false,
    cacheable: false,
    guarded: false,
    // free at Anthropic and answered by the gateway elsewhere: nothing to reserve
    estimate: { prompt: undefined, completion: false },
    validate: { required: ["messages"], fields: { messages: { type: "array" } } },
    openAI: false,
    api: "anthropic",
  },
  // Video generation answered whole, in the images shape (`data[].url`): providers whose jobs are asynchronous
  // (ModelsLab) are polled by the gateway until the video is ready. Not OpenAI's `/v1/videos` job API (ADR 0031).
  videos: {
    path: "/v1/videos/generations",
    method: "POST",
    body: "json",
    answer: "json",
    stream: false,
    cacheable: false,
    guarded: false,
    estimate: { prompt: "prompt", completion: false },
    validate: { required: ["prompt"], fields: { prompt: { type: "string" } } },
    openAI: false,
  },
  ...PASS_THROUGH_ENDPOINTS,
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

/** True for the catch-all rows (`/v1/{proxy+}`, one per method): any path below `/v1/` no other row declares. */
export function isCatchAll(row: EndpointSpec): boolean {
  return row.path === CATCH_ALL_PATH;
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
