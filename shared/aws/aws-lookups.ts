import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KMSClient } from "@aws-sdk/client-kms";
import { assembleLookups, type ControlPlaneLookups, type ControlPlaneOptions } from "../admin/control-plane-lookups";
import { ENV, requireEnv } from "../core/env";
import { DynamoControlStore } from "./dynamo-control-store";
import { KmsCipher } from "./kms-cipher";

export interface AwsStoreOptions extends ControlPlaneOptions {
  /** Client overrides, e.g. `{ endpoint }` for moto in tests. */
  readonly clientConfig?: ConstructorParameters<typeof DynamoDBClient>[0] & ConstructorParameters<typeof KMSClient>[0];
}

/** The control store on DynamoDB table `TABLE_NAME` and the secret cipher on KMS key `KMS_KEY_ID`. */
export function createAwsStoreAndCipher(
  env: NodeJS.ProcessEnv,
  options: AwsStoreOptions,
): { store: DynamoControlStore; cipher: KmsCipher } {
  const tableName = requireEnv(ENV.tableName, env);
  const kmsKeyId = requireEnv(ENV.kmsKeyId, env);
  const clientConfig = options.clientConfig ?? {};
  const store = new DynamoControlStore(new DynamoDBClient(clientConfig), {
    tableName,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  // The KMS client module loads at the first encrypt or decrypt, not at cold start.
  return { store, cipher: new KmsCipher({ config: clientConfig }, kmsKeyId) };
}

/**
 * The gateway function's view of the control plane in AWS: key, virtual key, config, guardrail and prompt lookups,
 * no root key and no admin API (so neither is in its bundle). Call once per cold start.
 */
export function createAwsLookups(
  env: NodeJS.ProcessEnv = process.env,
  options: AwsStoreOptions = {},
): ControlPlaneLookups {
  const { store, cipher } = createAwsStoreAndCipher(env, options);
  return assembleLookups(store, cipher, undefined, options);
}
