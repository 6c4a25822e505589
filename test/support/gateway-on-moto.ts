import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateDeliveryStreamCommand, FirehoseClient } from "@aws-sdk/client-firehose";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { runtimeEnvironment } from "../../infra/lib/lambda-bundle";
import { createAwsControlPlane } from "../../shared/aws/aws-control-plane";
import { ensureTable } from "../../shared/aws/dynamo-table";
import { ENV } from "../../shared/core/env";
import { coreRequest } from "./core-http";
import { s3At } from "./moto-s3";

/**
 * The AWS side of a deployment, on a moto_server: table, KMS key, root admin key secret, log bucket and Firehose
 * stream, then the operator's first steps (a workspace and a completions key) through the admin core. Takes the
 * endpoint rather than the suite's: the bench provisions its own moto with it too.
 */
export interface MotoConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export interface MotoDeployment {
  /** The functions' own variables (ENV names), as the stack would set them for these resources. */
  readonly env: Readonly<Record<string, string>>;
  /** AWS_ENDPOINT_URL, region and credentials that point an SDK in another process at this moto. */
  readonly awsEnv: Readonly<Record<string, string>>;
  /** A completions-scoped gateway key in `workspaceId`. */
  readonly apiKey: string;
  readonly workspaceId: string;
}

export const LOG_BUCKET = "gateway-logs";
const TABLE = "gateway";
const LOG_STREAM = "gateway-request-logs";
const ROOT_KEY = "pk-root-lambda-suite-root-key-0000000000000000";

export async function provisionGatewayOnMoto(cfg: MotoConfig): Promise<MotoDeployment> {
  await ensureTable(new DynamoDBClient(cfg), TABLE);
  const key = await new KMSClient(cfg).send(new CreateKeyCommand({ Description: "virtual keys" }));
  const secret = await new SecretsManagerClient(cfg).send(
    new CreateSecretCommand({ Name: "gateway/root-admin-key", SecretString: ROOT_KEY }),
  );
  await s3At(cfg.endpoint, "PUT", `/${LOG_BUCKET}`);
  await new FirehoseClient(cfg).send(
    new CreateDeliveryStreamCommand({
      DeliveryStreamName: LOG_STREAM,
      DeliveryStreamType: "DirectPut",
      ExtendedS3DestinationConfiguration: {
        BucketARN: `arn:aws:s3:::${LOG_BUCKET}`,
        RoleARN: "arn:aws:iam::123456789012:role/firehose",
        Prefix: "logs/",
      },
    }),
  );
  const env = {
    [ENV.tableName]: TABLE,
    [ENV.kmsKeyId]: key.KeyMetadata?.Arn ?? "",
    [ENV.adminKeySecretArn]: secret.ARN ?? "",
    [ENV.logStreamName]: LOG_STREAM,
  };
  // The operator's first steps, through the admin core exactly as the admin function runs it.
  const plane = createAwsControlPlane(env, { clientConfig: cfg });
  const call = async (path: string, body: unknown) => {
    const headers = { "x-portkey-api-key": ROOT_KEY, "content-type": "application/json" };
    const res = await plane.adminCore(coreRequest("POST", path, headers, body));
    return JSON.parse(String(res.body)) as Record<string, unknown>;
  };
  const ws = await call("/v1/admin/workspaces", { name: "lambda" });
  const created = await call("/v1/api-keys", { name: "app", workspace_id: ws.id, scopes: ["completions"] });
  return {
    env,
    awsEnv: {
      AWS_ENDPOINT_URL: cfg.endpoint,
      AWS_REGION: cfg.region,
      AWS_DEFAULT_REGION: cfg.region,
      AWS_ACCESS_KEY_ID: cfg.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: cfg.credentials.secretAccessKey,
    },
    apiKey: String(created.key),
    workspaceId: String(ws.id),
  };
}

/**
 * The gateway function's environment as the stack sets it (infra/lib/gateway-stack.ts) for this deployment, with
 * the loopback custom host allowed (fake upstreams), plus the AWS endpoint and credentials.
 */
export function gatewayFunctionEnv(deployment: MotoDeployment): Record<string, string> {
  return {
    ...deployment.awsEnv,
    [ENV.tableName]: deployment.env[ENV.tableName] as string,
    [ENV.kmsKeyId]: deployment.env[ENV.kmsKeyId] as string,
    [ENV.logStreamName]: deployment.env[ENV.logStreamName] as string,
    [ENV.logBodies]: "true",
    [ENV.customHostAllowlist]: "loopback",
    ...runtimeEnvironment("gateway"),
  };
}
