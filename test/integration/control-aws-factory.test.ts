import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { beforeAll, describe, expect, it } from "vitest";
import type { ControlPlane } from "../../shared/admin/control-plane";
import { createAwsControlPlane } from "../../shared/aws/aws-control-plane";
import { ensureTable } from "../../shared/aws/dynamo-table";
import { motoClientConfig } from "../support/aws-env";
import { bodyText, coreRequest } from "../support/core-http";
import { field, text } from "./control-support";

const ROOT = "pk-root-from-secrets-manager-0123456789abcdef";

describe("createAwsControlPlane on moto (DynamoDB + KMS + Secrets Manager)", () => {
  let env: NodeJS.ProcessEnv;
  let admin: ControlPlane;
  let gateway: ControlPlane;

  async function call(plane: ControlPlane, method: string, path: string, key: string, body?: unknown) {
    const res = await plane.adminCore(coreRequest(method, path, { "x-portkey-api-key": key }, body));
    return { status: res.status, json: JSON.parse(await bodyText(res)) as unknown };
  }

  beforeAll(async () => {
    const config = motoClientConfig();
    const dynamo = new DynamoDBClient(config);
    await ensureTable(dynamo, "gateway-table");
    dynamo.destroy();
    const kms = new KMSClient(config);
    const keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId ?? "";
    kms.destroy();
    const sm = new SecretsManagerClient(config);
    const secret = await sm.send(
      new CreateSecretCommand({ Name: "gateway/admin-key", SecretString: JSON.stringify({ adminKey: ROOT }) }),
    );
    sm.destroy();
    env = { TABLE_NAME: "gateway-table", KMS_KEY_ID: keyId, ADMIN_KEY_SECRET_ARN: secret.ARN ?? "" };
    admin = createAwsControlPlane(env, { clientConfig: config });
    gateway = createAwsControlPlane(
      { TABLE_NAME: env.TABLE_NAME, KMS_KEY_ID: keyId },
      {
        clientConfig: config,
        rootKey: "disabled",
      },
    );
  });

  it("runs the operator flow with the root key from Secrets Manager; the gateway side resolves via KMS", async () => {
    // Act
    const ws = text((await call(admin, "POST", "/v1/admin/workspaces", ROOT, { name: "aws" })).json, "id");
    const appKey = text(
      (await call(admin, "POST", "/v1/api-keys", ROOT, { name: "app", workspace_id: ws, scopes: ["completions"] }))
        .json,
      "key",
    );
    const vk = await call(admin, "POST", "/v1/virtual-keys", ROOT, {
      name: "openai",
      provider: "openai",
      key: "sk-aws-flow-secret-000000",
      workspace_id: ws,
    });
    const principal = await gateway.authenticator.authenticate(
      coreRequest("POST", "/v1/chat/completions", { "x-portkey-api-key": appKey }),
      "completions",
    );
    const resolved = await gateway.virtualKeys.resolve(principal.workspaceId, text(vk.json, "slug"));
    // Assess
    expect(principal.workspaceId).toBe(ws);
    expect(resolved.secret.apiKey).toBe("sk-aws-flow-secret-000000");
    expect(field(vk.json, "masked_api_key")).toBe("****0000");
  });

  it("does not accept the root key where it is disabled (gateway function)", async () => {
    // Act
    const res = await call(gateway, "GET", "/v1/admin/workspaces", ROOT);
    // Assess
    expect(res.status).toBe(401);
  });

  it("fails at cold start when a required variable is missing", () => {
    // Act + Assess
    expect(() => createAwsControlPlane({ TABLE_NAME: "t", KMS_KEY_ID: "k" })).toThrow(/ADMIN_KEY_SECRET_ARN/);
    expect(() => createAwsControlPlane({ KMS_KEY_ID: "k" }, { rootKey: "disabled" })).toThrow(/TABLE_NAME/);
  });
});
