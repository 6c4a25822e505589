import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateDeliveryStreamCommand, FirehoseClient } from "@aws-sdk/client-firehose";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { createAwsControlPlane } from "../../shared/aws/aws-control-plane";
import { ensureTable } from "../../shared/aws/dynamo-table";
import { motoClientConfig } from "../support/aws-env";
import { s3 } from "../support/moto-s3";

/**
 * The AWS side of a deployment, on moto: table, KMS key, root admin key secret, log bucket and Firehose stream,
 * with the functions' environment set as the stack sets it. Returns a gateway key made through the admin core.
 */
export const LOG_BUCKET = "gateway-logs";
/** The API host the stack passes to the gateway (GATEWAY_SELF_HOSTS). */
export const SELF_HOST = "gw123.execute-api.us-east-1.amazonaws.com";
const ROOT_KEY = "pk-root-lambda-suite-root-key-0000000000000000";

export async function provisionOnMoto(): Promise<{ apiKey: string; workspaceId: string }> {
  const cfg = motoClientConfig();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: cfg.endpoint,
    AWS_REGION: cfg.region,
    AWS_ACCESS_KEY_ID: cfg.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: cfg.credentials.secretAccessKey,
    TABLE_NAME: "gateway",
    LOG_STREAM_NAME: "gateway-request-logs",
    CUSTOM_HOST_ALLOWLIST: "loopback",
    GATEWAY_SELF_HOSTS: SELF_HOST,
    POWERTOOLS_LOG_LEVEL: "SILENT",
  });
  await ensureTable(new DynamoDBClient(cfg), "gateway");
  const key = await new KMSClient(cfg).send(new CreateKeyCommand({ Description: "virtual keys" }));
  process.env.KMS_KEY_ID = key.KeyMetadata?.Arn ?? "";
  const secret = await new SecretsManagerClient(cfg).send(
    new CreateSecretCommand({ Name: "gateway/root-admin-key", SecretString: ROOT_KEY }),
  );
  process.env.ADMIN_KEY_SECRET_ARN = secret.ARN ?? "";
  await s3("PUT", `/${LOG_BUCKET}`);
  await new FirehoseClient(cfg).send(
    new CreateDeliveryStreamCommand({
      DeliveryStreamName: "gateway-request-logs",
      DeliveryStreamType: "DirectPut",
      ExtendedS3DestinationConfiguration: {
        BucketARN: `arn:aws:s3:::${LOG_BUCKET}`,
        RoleARN: "arn:aws:iam::123456789012:role/firehose",
        Prefix: "logs/",
      },
    }),
  );
  // The operator's first steps, through the admin core exactly as the admin function runs it.
  const plane = createAwsControlPlane(process.env);
  const call = async (path: string, body: unknown) => {
    const res = await plane.adminCore({
      method: "POST",
      path,
      query: new URLSearchParams(),
      headers: { "x-portkey-api-key": ROOT_KEY, "content-type": "application/json" },
      body: Buffer.from(JSON.stringify(body)),
      signal: new AbortController().signal,
    });
    return JSON.parse(String(res.body)) as Record<string, unknown>;
  };
  const ws = await call("/v1/admin/workspaces", { name: "lambda" });
  const created = await call("/v1/api-keys", { name: "app", workspace_id: ws.id, scopes: ["completions"] });
  return { apiKey: String(created.key), workspaceId: String(ws.id) };
}
