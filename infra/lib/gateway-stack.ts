import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CfnOutput, Duration, Stack, type StackProps } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as logs from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { buildDashboardSync, writeDashboard } from "../../dashboard/build";
import { ENV } from "../../shared/core/env";
import { GatewayApi, STAGE_NAME } from "./api";
import { LogAnalytics } from "./log-analytics";
import { LogPipeline } from "./log-pipeline";
import { Monitoring } from "./monitoring";
import { acknowledgeStackFindings } from "./nag-acknowledgements";
import { type FunctionName, NodeFunction } from "./node-function";
import { type GatewayStackOptions, validateStackOptions } from "./stack-options";
import { GatewayState, SYSTEM_WORKSPACE, VIRTUAL_KEY_ENCRYPTION_CONTEXT_KEYS } from "./state";

/** The dashboard's static files (dashboard/build.ts), written to a fresh temporary directory for the bundle. */
function buildDashboardDirectory(): string {
  const dir = mkdtempSync(join(tmpdir(), "gateway-dashboard-"));
  writeDashboard(dir, buildDashboardSync());
  return dir;
}

export interface GatewayStackProps extends StackProps {
  readonly options: GatewayStackOptions;
}

/**
 * How long API Gateway waits for the streaming gateway integration, and the gateway function's timeout below it:
 * Lambda stops the function before API Gateway gives up on it, and the function's own deadline (its timeout minus
 * POST_RESPONSE_RESERVE_MS) and request timeout end every wait before that, so the work after the response (budget
 * settlement, log flush) always runs. test/infra asserts the order.
 */
const GATEWAY_INTEGRATION_TIMEOUT = Duration.seconds(300);
const GATEWAY_FUNCTION_TIMEOUT = Duration.seconds(290);

/** The whole deployment: API, three functions, state, request-log pipeline, analytics and monitoring. */
export class GatewayStack extends Stack {
  readonly functions: Readonly<Record<FunctionName, NodeFunction>>;

  constructor(scope: Construct, id: string, props: GatewayStackProps) {
    super(scope, id, props);
    // Grant S3 log delivery through a bucket policy, not the legacy LogDeliveryWrite ACL (ACLs stay disabled).
    this.node.setContext("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy", true);
    const { options } = props;
    validateStackOptions(options);
    const logRetention = options.logRetentionDays as logs.RetentionDays;

    const state = new GatewayState(this, "State");
    const pipeline = new LogPipeline(this, "LogPipeline", {
      streamName: `${this.stackName}-request-logs`,
      logRetention,
      transitionToIaAfter: Duration.days(options.logTransitionToIaDays),
      expireAfter: Duration.days(options.logExpirationDays),
    });
    const analytics = new LogAnalytics(this, "LogAnalytics", {
      logBucket: pipeline.logBucket,
      accessLogBucket: pipeline.accessLogBucket,
      bytesScannedCutoffPerQuery: options.athenaBytesScannedCutoff,
    });
    pipeline.deliverAs(analytics.table);

    const allowlist = options.customHostAllowlist.length > 0 ? options.customHostAllowlist.join(",") : undefined;
    const gateway = new NodeFunction(this, "Gateway", {
      name: "gateway",
      description: "AI gateway data plane (OpenAI-compatible API, streaming)",
      memorySize: 1024,
      timeout: GATEWAY_FUNCTION_TIMEOUT,
      reservedConcurrentExecutions: options.gatewayReservedConcurrency,
      logRetention,
      environment: {
        [ENV.tableName]: state.table.tableName,
        [ENV.kmsKeyId]: state.virtualKeyKey.keyArn,
        [ENV.logStreamName]: pipeline.streamName,
        [ENV.logBodies]: String(options.logBodies),
        ...(allowlist === undefined ? {} : { [ENV.customHostAllowlist]: allowlist }),
      },
    });
    const admin = new NodeFunction(this, "Admin", {
      name: "admin",
      description: "AI gateway control plane (workspaces, keys, virtual keys, configs, prompts, guardrails)",
      memorySize: 512,
      timeout: Duration.seconds(30),
      logRetention,
      environment: {
        [ENV.tableName]: state.table.tableName,
        [ENV.kmsKeyId]: state.virtualKeyKey.keyArn,
        [ENV.adminKeySecretArn]: state.adminKeySecret.secretArn,
      },
    });
    const analyticsFn = new NodeFunction(this, "Analytics", {
      name: "analytics",
      description: "AI gateway logs, analytics, feedback and dashboard",
      memorySize: 512,
      timeout: Duration.seconds(60),
      logRetention,
      environment: {
        [ENV.tableName]: state.table.tableName,
        [ENV.kmsKeyId]: state.virtualKeyKey.keyArn,
        [ENV.adminKeySecretArn]: state.adminKeySecret.secretArn,
        [ENV.logStreamName]: pipeline.streamName,
        [ENV.athenaWorkgroup]: analytics.workgroupName,
        [ENV.glueDatabase]: analytics.databaseName,
        [ENV.glueTable]: analytics.tableName,
      },
      extraDirectory: { name: "dashboard", build: buildDashboardDirectory },
    });
    this.functions = { gateway, admin, analytics: analyticsFn };

    // Grants: each function gets what its handlers do and nothing more. All three authenticate gateway keys, so all
    // three load the API-key pepper (shared/auth/key-pepper.ts): Decrypt it under the system workspace, and the
    // first to need it creates it (Encrypt under the system workspace + a conditional PutItem in the table).
    const keyArn = state.virtualKeyKey.keyArn;
    state.table.grantReadWriteData(gateway.role);
    state.table.grantReadWriteData(admin.role);
    // Analytics writes only the pepper item (conditional PutItem); CDK has no grant narrower than read-write data.
    state.table.grantReadWriteData(analyticsFn.role);
    gateway.role.addToPrincipalPolicy(virtualKeyStatement(["kms:Decrypt"], keyArn, "any-workspace"));
    gateway.role.addToPrincipalPolicy(virtualKeyStatement(["kms:Encrypt"], keyArn, "system-workspace"));
    admin.role.addToPrincipalPolicy(virtualKeyStatement(["kms:Encrypt"], keyArn, "any-workspace"));
    admin.role.addToPrincipalPolicy(virtualKeyStatement(["kms:Decrypt"], keyArn, "system-workspace"));
    analyticsFn.role.addToPrincipalPolicy(
      virtualKeyStatement(["kms:Decrypt", "kms:Encrypt"], keyArn, "system-workspace"),
    );
    state.grantReadAdminKey(admin.role);
    // The analytics API accepts the root admin key too (createAwsControlPlane, rootKey "required").
    state.grantReadAdminKey(analyticsFn.role);
    pipeline.grantPutRecords(gateway.role);
    pipeline.grantPutRecords(analyticsFn.role);
    analytics.grantQuery(analyticsFn.role);

    const gatewayApi = new GatewayApi(this, "Api", {
      functions: { gateway: gateway.fn, admin: admin.fn, analytics: analyticsFn.fn },
      gatewayIntegrationTimeout: GATEWAY_INTEGRATION_TIMEOUT,
      logRetention,
      throttleRateLimit: options.apiThrottleRateLimit,
      throttleBurstLimit: options.apiThrottleBurstLimit,
    });

    // The API's own host: never an upstream of the gateway, and the seed of its hop mark (see shared/core/env.ts). Built
    // from the RestApi id, not `api.url` (the stage depends on the gateway's integration: a cycle).
    gateway.fn.addEnvironment(
      ENV.selfHosts,
      `${gatewayApi.api.restApiId}.execute-api.${this.region}.${this.urlSuffix}`,
    );

    new Monitoring(this, "Monitoring", {
      api: gatewayApi.api,
      functions: { gateway: gateway.fn, admin: admin.fn, analytics: analyticsFn.fn },
      logPipeline: pipeline,
      alarmEmail: options.alarmEmail,
    });

    new CfnOutput(this, "ApiUrl", { value: gatewayApi.api.url, description: `API root (stage ${STAGE_NAME})` });
    new CfnOutput(this, "OpenAiBaseUrl", {
      value: `${gatewayApi.api.url}v1`,
      description: "baseURL for the openai / portkey-ai SDKs",
    });
    // The `/dashboard` route, served by the analytics function.
    new CfnOutput(this, "DashboardUrl", { value: `${gatewayApi.api.url}dashboard`, description: "Dashboard" });
    new CfnOutput(this, "TableName", { value: state.table.tableName });
    new CfnOutput(this, "AdminKeySecretArn", {
      value: state.adminKeySecret.secretArn,
      description: "aws secretsmanager get-secret-value --secret-id <this> --query SecretString --output text",
    });
    new CfnOutput(this, "LogBucketName", { value: pipeline.logBucket.bucketName });
    new CfnOutput(this, "AthenaWorkgroup", { value: analytics.workgroupName });

    acknowledgeStackFindings({ stack: this, table: state.table, functions: this.functions, pipeline, analytics });
  }
}

type KmsAction = "kms:Encrypt" | "kms:Decrypt";

/**
 * Which encryption contexts a KMS statement admits. "any-workspace": every virtual-key context. "system-workspace":
 * only `workspace` = `_system` (the API-key pepper), never a tenant's provider credentials.
 */
type ContextScope = "any-workspace" | "system-workspace";

/**
 * KMS actions on the virtual-key key, usable only with the encryption context the virtual-key store writes:
 * exactly the keys `workspace` and `virtualKey`, both present; with "system-workspace", `workspace` must be `_system`.
 */
function virtualKeyStatement(actions: readonly KmsAction[], keyArn: string, scope: ContextScope): iam.PolicyStatement {
  const [workspaceKey, virtualKeyKey] = VIRTUAL_KEY_ENCRYPTION_CONTEXT_KEYS;
  return new iam.PolicyStatement({
    actions: [...actions],
    resources: [keyArn],
    conditions: {
      "ForAllValues:StringEquals": { "kms:EncryptionContextKeys": [...VIRTUAL_KEY_ENCRYPTION_CONTEXT_KEYS] },
      Null: { [`kms:EncryptionContext:${workspaceKey}`]: "false", [`kms:EncryptionContext:${virtualKeyKey}`]: "false" },
      ...(scope === "system-workspace"
        ? { StringEquals: { [`kms:EncryptionContext:${workspaceKey}`]: SYSTEM_WORKSPACE } }
        : {}),
    },
  });
}
