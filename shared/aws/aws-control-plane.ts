import { assembleControlPlane, type ControlPlane } from "../admin/control-plane";
import { ENV, requireEnv } from "../core/env";
import { type AwsStoreOptions, createAwsStoreAndCipher } from "./aws-lookups";
import { secretsManagerRootKey } from "./secrets";

export interface AwsControlPlaneOptions extends AwsStoreOptions {
  /**
   * "required" (default): read ADMIN_KEY_SECRET_ARN and accept the root admin key (admin, analytics functions).
   * "disabled": the root key is not accepted and the secret is never read (the gateway function builds only
   * `createAwsLookups`, which has neither the root key nor the admin API).
   */
  readonly rootKey?: "required" | "disabled";
}

/**
 * The control plane in AWS: DynamoDB table `TABLE_NAME`, KMS key `KMS_KEY_ID`, root key from the Secrets Manager
 * secret `ADMIN_KEY_SECRET_ARN`. Call once per cold start (clients are created here and reused).
 */
export function createAwsControlPlane(
  env: NodeJS.ProcessEnv = process.env,
  options: AwsControlPlaneOptions = {},
): ControlPlane {
  const { store, cipher } = createAwsStoreAndCipher(env, options);
  const rootKeyMode = options.rootKey ?? "required";
  const secretArn = rootKeyMode === "required" ? requireEnv(ENV.adminKeySecretArn, env) : undefined;
  const rootKey = secretArn === undefined ? undefined : secretsManagerRootKey(options.clientConfig ?? {}, secretArn);
  return assembleControlPlane(store, cipher, rootKey, options);
}
