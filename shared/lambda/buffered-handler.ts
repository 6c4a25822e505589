import type { Logger } from "@aws-lambda-powertools/logger";
import middy from "@middy/core";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { renderError } from "../core/errors";
import type { CoreHandler } from "../http/types";
import { fromApiGatewayEvent } from "./api-gateway-event";

/** Wraps a core whose answers are small JSON/HTML documents (admin, analytics) in a plain proxy handler. */
export function bufferedLambda(
  core: CoreHandler,
  options: { readonly logger: Logger; readonly afterResponse?: () => Promise<void> },
) {
  const { logger } = options;
  const handler = middy(async function invokeCore(
    event: APIGatewayProxyEvent,
    context: Context,
  ): Promise<APIGatewayProxyResult> {
    logger.addContext(context);
    try {
      const res = await core(fromApiGatewayEvent(event, new AbortController().signal));
      if (typeof res.body === "string") return { statusCode: res.status, headers: res.headers, body: res.body };
      if (Buffer.isBuffer(res.body)) {
        return {
          statusCode: res.status,
          headers: res.headers,
          body: res.body.toString("base64"),
          isBase64Encoded: true,
        };
      }
      const chunks: Buffer[] = [];
      for await (const chunk of res.body) chunks.push(Buffer.from(chunk as Buffer));
      return { statusCode: res.status, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") };
    } catch (err) {
      logger.error("unhandled error in core", { error: err as Error });
      const rendered = renderError(err);
      return { statusCode: rendered.status, headers: rendered.headers, body: rendered.body };
    }
  });
  if (options.afterResponse) {
    const afterResponse = options.afterResponse;
    handler.use({
      after: async function flushAfterResponse() {
        await afterResponse();
      },
    });
  }
  return handler;
}
