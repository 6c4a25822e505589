import { Readable, type Writable } from "node:stream";
import type { Logger } from "@aws-lambda-powertools/logger";
import middy from "@middy/core";
import type { APIGatewayProxyEvent, Context } from "aws-lambda";
import { renderError } from "../core/errors";
import { POST_RESPONSE_RESERVE_MS } from "../gateway/bounds";
import type { CoreHandler } from "../http/types";
import { fromApiGatewayEvent } from "./api-gateway-event";

export interface StreamingResult {
  statusCode: number;
  headers: Record<string, string>;
  body: Readable | string;
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
 * Wraps a core in a middy response-streaming handler (API Gateway REST with ResponseTransferMode STREAM).
 * Bodies that are streams are piped as they come; strings are sent whole; Buffers become one-chunk streams.
 */
type StreamingEntry = (event: APIGatewayProxyEvent, responseStream: Writable, context: Context) => Promise<void>;

declare const awslambda: { streamifyResponse<T>(handler: T): T };

export function streamingLambda(core: CoreHandler, options: LambdaAdapterOptions): StreamingEntry {
  const { logger } = options;
  const reserveMs = options.reserveMs ?? POST_RESPONSE_RESERVE_MS;
  const invocations = new WeakMap<APIGatewayProxyEvent, Invocation>();
  const inner = middy(
    async function invokeCore(event: APIGatewayProxyEvent, context: Context): Promise<StreamingResult> {
      logger.addContext(context);
      options.onEvent?.(event);
      const invocation = invocations.get(event) as Invocation;
      try {
        const res = await core(fromApiGatewayEvent(event, invocation.signal, invocation.deadline));
        const body =
          typeof res.body === "string" || res.body instanceof Readable ? res.body : Readable.from([res.body]);
        return { statusCode: res.status, headers: res.headers, body };
      } catch (err) {
        logger.error("unhandled error in core", { error: err as Error });
        const rendered = renderError(err);
        return { statusCode: rendered.status, headers: rendered.headers, body: rendered.body };
      }
    },
    { streamifyResponse: true },
  ) as unknown as StreamingEntry;
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
      await inner(event, responseStream, context);
    } finally {
      responseStream.off("close", onGone);
      responseStream.off("error", onGone);
      await options.afterResponse?.();
    }
  });
}
