import type { Readable } from "node:stream";
import type { AnySignal } from "./abort-source";

/**
 * The runtime-neutral HTTP shapes every function core speaks. Adapters (Lambda event processors, the local
 * Node server, tests) turn their own inputs into a `CoreRequest` and write a `CoreResponse` back.
 */
export interface CoreRequest {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Header names are lower-case; repeated headers are joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /**
   * Aborted when the client goes away; cores pass it to upstream calls. The local server gives an AbortSource (no
   * AbortSignal built per request); `abortSignalOf` makes a real one where one is needed.
   */
  readonly signal: AnySignal;
  /** Client address, when the adapter knows it. */
  readonly sourceIp?: string;
  /**
   * `Date.now()` by which the answer must be complete (Lambda: the function timeout minus the time kept for the
   * work after the response); attempts and streams end there. Absent: no deadline (the local runtime).
   */
  readonly deadline?: number;
}

/** A body is sent whole (string/Buffer) or streamed (Readable); streams are never buffered by adapters. */
export type CoreBody = string | Buffer | Readable;

/** Where a `DirectBody` writes: the adapter's response (Node's `ServerResponse` is one). */
export interface BodySink {
  /** False: stop until "drain". */
  write(chunk: Buffer | string): boolean;
  end(): void;
  once(event: "drain", listener: () => void): unknown;
}

/**
 * A stream body that can write itself into the response instead of being piped: one Readable layer less per
 * stream, which measured as a third of a stream's CPU through the local runtime (docs/performance.md). Still a
 * Readable for every other reader. `writeTo` is called at most once, before any read.
 */
export interface DirectBody {
  writeTo(sink: BodySink): void;
}

export function isDirectBody(body: unknown): body is DirectBody {
  return typeof (body as Partial<DirectBody> | null)?.writeTo === "function";
}

export interface CoreResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: CoreBody;
}

/** What the transport sends. `body` is the serialised native request. */
export interface UpstreamRequest {
  readonly url: string;
  readonly method: "GET" | "POST" | "DELETE";
  readonly headers: Record<string, string>;
  readonly body?: string | Buffer;
  /**
   * Request parameters the provider cannot honour and the adapter left out (see shared/providers/param-policy.ts). The gateway
   * lists them in the `x-portkey-dropped-params` response header.
   */
  readonly droppedParams?: readonly string[];
}

export type CoreHandler = (req: CoreRequest) => Promise<CoreResponse>;

export const JSON_HEADERS = Object.freeze({ "content-type": "application/json" });

export function jsonResponse(status: number, value: unknown, headers?: Record<string, string>): CoreResponse {
  return { status, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(value) };
}
