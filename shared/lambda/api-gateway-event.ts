import type { APIGatewayProxyEvent } from "aws-lambda";
import type { CoreRequest } from "../http/types";

/**
 * API Gateway REST (v1 proxy) event -> CoreRequest. Header names are lower-cased once here; repeated headers are
 * joined with ", " as HTTP allows. The body is decoded once (base64 for binary media types).
 */
export function fromApiGatewayEvent(event: APIGatewayProxyEvent, signal: AbortSignal, deadline?: number): CoreRequest {
  const headers: Record<string, string> = {};
  if (event.multiValueHeaders) {
    for (const name in event.multiValueHeaders) {
      const values = event.multiValueHeaders[name];
      if (values?.length) headers[name.toLowerCase()] = values.join(", ");
    }
  } else if (event.headers) {
    for (const name in event.headers) {
      const value = event.headers[name];
      if (value !== undefined) headers[name.toLowerCase()] = value;
    }
  }
  const query = new URLSearchParams();
  if (event.multiValueQueryStringParameters) {
    for (const [name, values] of Object.entries(event.multiValueQueryStringParameters)) {
      for (const v of values ?? []) query.append(name, v);
    }
  } else if (event.queryStringParameters) {
    for (const [name, v] of Object.entries(event.queryStringParameters)) if (v !== undefined) query.append(name, v);
  }
  const body = event.body ? Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8") : Buffer.alloc(0);
  return {
    method: event.httpMethod.toUpperCase(),
    path: event.path,
    query,
    headers,
    body,
    signal,
    sourceIp: event.requestContext?.identity?.sourceIp,
    deadline,
  };
}
