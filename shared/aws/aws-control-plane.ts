import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KMSClient } from "@aws-sdk/client-kms";
import { assembleControlPlane, type ControlPlane, type ControlPlaneOptions } from "../admin/control-plane";
import { ENV, requireEnv } from "../core/env";
import { DynamoControlStore } from "./dynamo-control-store";
import { KmsCipher } from "./kms-cipher";
import { secretsManagerRootKey } from "./secrets";

export interface AwsControlPlaneOptions extends ControlPlaneOptions {
  /**
   * "required" (default): read ADMIN_KEY_SECRET_ARN and accept the root admin key (admin, analytics functions).
   * "disabled": the root key is not accepted and the secret is never read (the gateway function).
   */
  readonly rootKey?: "required" | "disabled";
  /** Client overrides, e.g. `{ endpoint }` for moto in tests. */
  readonly clientConfig?: ConstructorParameters<typeof DynamoDBClient>[0] & ConstructorParameters<typeof KMSClient>[0];
}

/**
 * The control plane in AWS: DynamoDB table `TABLE_NAME`, KMS key `KMS_KEY_ID`, root key from the Secrets Manager
 * secret `ADMIN_KEY_SECRET_ARN`. Call once per cold start (clients are created here and reused).
 */
export function createAwsControlPlane(
  env: NodeJS.ProcessEnv = process.env,
  options: AwsControlPlaneOptions = {},
): ControlPlane {
  const tableName = requireEnv(ENV.tableName, env);
  const kmsKeyId = requireEnv(ENV.kmsKeyId, env);
  const rootKeyMode = options.rootKey ?? "required";
  const secretArn = rootKeyMode === "required" ? requireEnv(ENV.adminKeySecretArn, env) : undefined;
  const clientConfig = options.clientConfig ?? {};
  const store = new DynamoControlStore(new DynamoDBClient(clientConfig), {
    tableName,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const cipher = new KmsCipher({ config: clientConfig }, kmsKeyId);
  const rootKey = secretArn === undefined ? undefined : secretsManagerRootKey(clientConfig, secretArn);
  return assembleControlPlane(store, cipher, rootKey, options);
}
