import { type Duration, Stack, Validations } from "aws-cdk-lib";
import * as apigateway from "aws-cdk-lib/aws-apigateway";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { acknowledgeApiCloudWatchRole } from "./nag-acknowledgements";
import type { FunctionName } from "./node-function";
import { ROUTES } from "./routes";

export const STAGE_NAME = "prod";

/** Request bodies API Gateway hands to Lambda base64-encoded instead of as (lossy) UTF-8 text. */
export const BINARY_MEDIA_TYPES = ["multipart/form-data", "audio/*", "application/octet-stream"];

export interface GatewayApiProps {
  readonly functions: Readonly<Record<FunctionName, lambda.IFunction>>;
  /** How long the streaming gateway integration may run (API Gateway allows up to 15 min when streaming). */
  readonly gatewayIntegrationTimeout: Duration;
  readonly logRetention: logs.RetentionDays;
  readonly throttleRateLimit: number;
  readonly throttleBurstLimit: number;
}

/**
 * Regional REST API (edge-optimized endpoints cut idle streams after 30 s, regional ones after 5 min). The gateway
 * function sits behind a STREAMING Lambda proxy integration so tokens reach the client as they are generated;
 * admin and analytics answer small JSON bodies and use ordinary (buffered) proxy integrations.
 */
export class GatewayApi extends Construct {
  readonly api: apigateway.RestApi;
  readonly accessLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: GatewayApiProps) {
    super(scope, id);

    this.accessLogGroup = new logs.LogGroup(this, "AccessLogGroup", { retention: props.logRetention });
    this.api = new apigateway.RestApi(this, "RestApi", {
      // Also the `ApiName` dimension of the API's CloudWatch metrics: unique per stack.
      restApiName: Stack.of(this).stackName,
      description: "OpenAI- and Portkey-compatible AI gateway",
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      binaryMediaTypes: BINARY_MEDIA_TYPES,
      cloudWatchRole: true,
      deployOptions: {
        stageName: STAGE_NAME,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        throttlingRateLimit: props.throttleRateLimit,
        throttlingBurstLimit: props.throttleBurstLimit,
      },
    });

    const integrations: Record<FunctionName, apigateway.LambdaIntegration> = {
      gateway: new apigateway.LambdaIntegration(props.functions.gateway, {
        responseTransferMode: apigateway.ResponseTransferMode.STREAM,
        timeout: props.gatewayIntegrationTimeout,
        scopePermissionToMethod: false,
      }),
      admin: new apigateway.LambdaIntegration(props.functions.admin, { scopePermissionToMethod: false }),
      analytics: new apigateway.LambdaIntegration(props.functions.analytics, { scopePermissionToMethod: false }),
    };

    for (const route of ROUTES) {
      this.api.root.resourceForPath(route.path).addMethod("ANY", integrations[route.target]);
    }

    acknowledgeApiFindings(this.api);
    acknowledgeApiCloudWatchRole(this.api.node.findChild("CloudWatchRole"));
  }
}

function acknowledgeApiFindings(api: apigateway.RestApi): void {
  const methodsAuthenticateThemselves =
    "Every function authenticates the caller itself (gateway keys via x-portkey-api-key or Authorization: " +
    "Bearer, the root admin key for the control plane), as OpenAI/Portkey clients expect; API Gateway auth is NONE.";
  Validations.of(api).acknowledge(
    { id: "AwsSolutions-APIG4", reason: methodsAuthenticateThemselves },
    { id: "AwsSolutions-COG4", reason: methodsAuthenticateThemselves },
    {
      id: "AwsSolutions-APIG2",
      reason: "Bodies are validated by zod schemas in the functions (OpenAI/Portkey shapes, proxy+ routes).",
    },
    {
      id: "AwsSolutions-APIG3",
      reason: "WAF is a per-deployment choice (cost, rules); stage throttling applies. Attach a web ACL to the stage.",
    },
  );
}
