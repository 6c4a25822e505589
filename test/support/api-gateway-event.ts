import type { APIGatewayProxyEvent, Context } from "aws-lambda";

/** A REST API (v1) proxy event as API Gateway sends it to a Lambda proxy integration. */
export function restApiEvent(input: {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  query?: Record<string, string>;
}): APIGatewayProxyEvent {
  const headers = {
    "Content-Type": "application/json",
    Host: "abc123.execute-api.us-east-1.amazonaws.com",
    ...input.headers,
  };
  const isBinary = Buffer.isBuffer(input.body);
  return {
    resource: "/v1/{proxy+}",
    path: input.path,
    httpMethod: input.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: input.query ?? null,
    multiValueQueryStringParameters: input.query
      ? Object.fromEntries(Object.entries(input.query).map(([k, v]) => [k, [v]]))
      : null,
    pathParameters: { proxy: input.path.replace(/^\/v1\//, "") },
    stageVariables: null,
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123",
      domainName: headers.Host,
      authorizer: null,
      protocol: "HTTP/1.1",
      httpMethod: input.method,
      identity: { sourceIp: "203.0.113.7", userAgent: "test" },
      path: `/prod${input.path}`,
      stage: "prod",
      requestId: "req-1",
      requestTimeEpoch: Date.now(),
      resourceId: "res1",
      resourcePath: "/v1/{proxy+}",
    } as APIGatewayProxyEvent["requestContext"],
    body:
      input.body === undefined ? null : isBinary ? (input.body as Buffer).toString("base64") : (input.body as string),
    isBase64Encoded: isBinary,
  };
}

export function lambdaContext(name = "gateway"): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    memoryLimitInMB: "1024",
    awsRequestId: "aws-req-1",
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: "stream",
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
