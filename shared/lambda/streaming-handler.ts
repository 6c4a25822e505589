import { Readable } from "node:stream";
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
}

/**
 * Wraps a core in a middy response-streaming handler (API Gateway REST with ResponseTransferMode STREAM).
 * Bodies that are streams are piped as they come; strings are sent whole; Buffers become one-chunk streams.
 */
export function streamingLambda(core: CoreHandler, options: LambdaAdapterOptions) {
  const { logger } = options;
  return middy(
    async function invokeCore(event: APIGatewayProxyEvent, context: Context): Promise<StreamingResult> {
      logger.addContext(context);
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
    {
      streamifyResponse: true,
      requestEnd: async () => {
        await options.afterResponse?.();
      },
    },
  );
}
