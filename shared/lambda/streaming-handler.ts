import { Readable, type Writable } from "node:stream";
import type { Logger } from "@aws-lambda-powertools/logger";
import middy from "@middy/core";
import type { APIGatewayProxyEvent, Context } from "aws-lambda";
import { renderError } from "../core/errors";
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
}

/**
 * Wraps a core in a middy response-streaming handler (API Gateway REST with ResponseTransferMode STREAM).
 * Bodies that are streams are piped as they come; strings are sent whole; Buffers become one-chunk streams.
 */
type StreamingEntry = (event: APIGatewayProxyEvent, responseStream: Writable, context: Context) => Promise<void>;

declare const awslambda: { streamifyResponse<T>(handler: T): T };

export function streamingLambda(core: CoreHandler, options: LambdaAdapterOptions): StreamingEntry {
  const { logger } = options;
  const inner = middy(
    async function invokeCore(event: APIGatewayProxyEvent, context: Context): Promise<StreamingResult> {
      logger.addContext(context);
      options.onEvent?.(event);
      const controller = new AbortController();
      try {
        const res = await core(fromApiGatewayEvent(event, controller.signal));
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
    try {
      await inner(event, responseStream, context);
    } finally {
      await options.afterResponse?.();
    }
  });
}
