import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { assembleControlPlane, type ControlPlane, type ControlPlaneOptions } from "../admin/control-plane";
import { loadOrCreateLocalAdminKey, staticRootKey } from "../auth/root-key";
import { LocalKeyringCipher } from "../crypto/local-keyring-cipher";
import { DynamoControlStore } from "./dynamo-control-store";
import { ensureTable } from "./dynamo-table";

export const LOCAL_TABLE_NAME = "gateway-control";

export interface LocalControlPlaneOptions extends ControlPlaneOptions {
  /** Keyring (`keyring.json`) and, when `adminKey` is absent, `admin-key` live here. */
  readonly dataDir: string;
  /** dynalite (see `startLocalDynamo`) or any DynamoDB endpoint. */
  readonly dynamoEndpoint: string;
  /** Root admin key; absent: `loadOrCreateLocalAdminKey(dataDir, process.env)` (the caller prints a new one). */
  readonly adminKey?: string;
  readonly tableName?: string;
}

export interface LocalControlPlane extends ControlPlane {
  readonly adminKey: { readonly key: string; readonly created: boolean };
  close(): void;
}

/** The control plane for `npm start` and tests: DynamoDB API on dynalite, AES-256-GCM keyring, local root key. */
export async function createLocalControlPlane(options: LocalControlPlaneOptions): Promise<LocalControlPlane> {
  const client = new DynamoDBClient({
    endpoint: options.dynamoEndpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const tableName = options.tableName ?? LOCAL_TABLE_NAME;
  await ensureTable(client, tableName);
  const adminKey =
    options.adminKey === undefined
      ? await loadOrCreateLocalAdminKey(options.dataDir, process.env)
      : { key: options.adminKey, created: false };
  const store = new DynamoControlStore(client, {
    tableName,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const cipher = await LocalKeyringCipher.fromDataDir(options.dataDir);
  const plane = assembleControlPlane(store, cipher, staticRootKey(adminKey.key), options);
  return { ...plane, adminKey, close: () => client.destroy() };
}
