import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Logger } from "@aws-lambda-powertools/logger";
import middy from "@middy/core";
import type { APIGatewayProxyEvent, Context } from "aws-lambda";
import { renderError } from "../core/errors";
import { POST_RESPONSE_RESERVE_MS } from "../gateway/bounds";
import { type CoreBody, type CoreHandler, isDirectBody } from "../http/types";
import { fromApiGatewayEvent } from "./api-gateway-event";

export interface StreamingResult {
  statusCode: number;
  headers: Record<string, string>;
  body: CoreBody;
}

export interface LambdaAdapterOptions {
  readonly logger: Logger;
  /** Runs after the response stream has been fully piped (e.g. flush the invocation's log batch). */
  readonly afterResponse?: () => Promise<void>;
  /** Sees every event before the core (e.g. learn the API's own domain name from `requestContext`). */
  readonly onEvent?: (event: APIGatewayProxyEvent) => void;
  /**
   * Milliseconds of the invocation kept for `afterResponse`: the request's deadline is the function timeout minus
   * this (default POST_RESPONSE_RESERVE_MS), so the answer always ends in time for the work after it.
   */
  readonly reserveMs?: number;
}

/** What one invocation hands its core: the signal aborted when the client goes, and the deadline. */
interface Invocation {
  readonly signal: AbortSignal;
  readonly deadline: number;
}

/**
 * Wraps a core in a middy handler inside Lambda's response streaming (API Gateway REST with ResponseTransferMode
 * STREAM). middy runs the request; the answer is written here, not by middy's streaming mode, which turns every
 * body into a Readable and pipes it (`stream.pipeline`: a measurable share of a small answer's CPU): a string or
 * Buffer is written whole, a stream that can write itself (`DirectBody`) does, any other stream is piped.
 */
type StreamingEntry = (event: APIGatewayProxyEvent, responseStream: Writable, context: Context) => Promise<void>;

interface Prelude {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
}

declare const awslambda: {
  streamifyResponse<T>(handler: T): T;
  HttpResponseStream: { from(stream: Writable, prelude: Prelude): Writable };
};

/** Writes the answer into Lambda's response stream; resolves once it is finished or the client is gone. */
function writeAnswer(body: CoreBody, out: Writable): Promise<void> {
  if (body instanceof Readable && !isDirectBody(body)) return pipeline(body, out);
  if (out.destroyed) {
    // the client left while the answer was being prepared: no "close" is coming
    if (body instanceof Readable) body.destroy();
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const done = (): void => {
      out.off("finish", done);
      out.off("close", done);
      out.off("error", done);
      if (body instanceof Readable && !out.writableFinished) body.destroy(); // the client left mid-stream
      resolve();
    };
    out.once("finish", done);
    out.once("close", done);
    out.once("error", done);
    if (isDirectBody(body)) {
      (body as Readable).once("error", () => out.destroy()); // cut, never a silently short body
      body.writeTo(out);
    } else {
      // the runtime sends the prelude before the first `write` (not on `end(chunk)`): even an empty body writes once
      out.write(body);
      out.end();
    }
  });
}

export function streamingLambda(core: CoreHandler, options: LambdaAdapterOptions): StreamingEntry {
  const { logger } = options;
  const reserveMs = options.reserveMs ?? POST_RESPONSE_RESERVE_MS;
  const invocations = new WeakMap<APIGatewayProxyEvent, Invocation>();
  const inner = middy(async function invokeCore(
    event: APIGatewayProxyEvent,
    context: Context,
  ): Promise<StreamingResult> {
    logger.addContext(context);
    options.onEvent?.(event);
    const invocation = invocations.get(event) as Invocation;
    try {
      const res = await core(fromApiGatewayEvent(event, invocation.signal, invocation.deadline));
      return { statusCode: res.status, headers: res.headers, body: res.body };
    } catch (err) {
      logger.error("unhandled error in core", { error: err as Error });
      const rendered = renderError(err);
      return { statusCode: rendered.status, headers: rendered.headers, body: rendered.body };
    }
  }) as unknown as (event: APIGatewayProxyEvent, context: Context) => Promise<StreamingResult>;
  // middy's own `requestEnd` is skipped when piping to the client fails (a disconnect); this wrapper runs the
  // post-response work (log flush, settlements) on every invocation, disconnected or not, before it ends.
  return awslambda.streamifyResponse(async function streamThenSettle(event, responseStream, context): Promise<void> {
    // The client leaving closes (or errors) the response stream: abort the request, including an upstream call
    // still waiting for its answer, before a byte was written.
    const controller = new AbortController();
    const onGone = (): void => {
      if (!responseStream.writableFinished) controller.abort(new Error("client disconnected"));
    };
    responseStream.once("close", onGone);
    responseStream.once("error", onGone);
    invocations.set(event, {
      signal: controller.signal,
      deadline: Date.now() + context.getRemainingTimeInMillis() - reserveMs,
    });
    try {
      const answer = await inner(event, context);
      const out = awslambda.HttpResponseStream.from(responseStream, {
        statusCode: answer.statusCode,
        headers: answer.headers,
      });
      await writeAnswer(answer.body, out);
    } finally {
      responseStream.off("close", onGone);
      responseStream.off("error", onGone);
      await options.afterResponse?.();
    }
  });
}
