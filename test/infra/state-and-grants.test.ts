import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_WORKSPACE, VIRTUAL_KEY_ENCRYPTION_CONTEXT_KEYS } from "../../infra/lib/state";
import { loadKeyHasher, PEPPER_NAME } from "../../shared/auth/key-pepper";
import type { CipherContext } from "../../shared/crypto/secret-cipher";
import {
  actionsOf,
  type CfnResource,
  logicalIdOf,
  references,
  type Statement,
  statementsOfRole,
  synthGatewayStack,
} from "./support/synth-stack";

type Role = "gateway" | "admin" | "analytics";
const ROLES: readonly Role[] = ["gateway", "admin", "analytics"];

/** The encryption-context condition every KMS statement carries: exactly the keys workspace and virtualKey. */
const CONTEXT_KEYS_CONDITION = {
  "ForAllValues:StringEquals": { "kms:EncryptionContextKeys": ["workspace", "virtualKey"] },
  Null: { "kms:EncryptionContext:workspace": "false", "kms:EncryptionContext:virtualKey": "false" },
};
const SYSTEM_ONLY_CONDITION = {
  ...CONTEXT_KEYS_CONDITION,
  StringEquals: { "kms:EncryptionContext:workspace": "_system" },
};

let template: Template;
let statements: Record<Role, Statement[]>;
let keyId: string;
let secretId: string;
let tableId: string;
let streamId: string;

beforeAll(() => {
  template = synthGatewayStack({ bundle: false }).template;
  statements = {
    gateway: statementsOfRole(template, logicalIdOf(template, "AWS::IAM::Role", "GatewayRole")),
    admin: statementsOfRole(template, logicalIdOf(template, "AWS::IAM::Role", "AdminRole")),
    analytics: statementsOfRole(template, logicalIdOf(template, "AWS::IAM::Role", "AnalyticsRole")),
  };
  keyId = logicalIdOf(template, "AWS::KMS::Key", "State");
  secretId = logicalIdOf(template, "AWS::SecretsManager::Secret", "State");
  tableId = logicalIdOf(template, "AWS::DynamoDB::Table", "State");
  streamId = logicalIdOf(template, "AWS::KinesisFirehose::DeliveryStream", "LogPipeline");
});

function actionsOn(role: Role, logicalId: string): string[] {
  return statements[role].filter((s) => references(s.Resource, logicalId)).flatMap(actionsOf);
}

describe("DynamoDB table", () => {
  it("has the pk/sk keys, the gsi1 index, the expiresAt TTL and point-in-time recovery", () => {
    const table = template.toJSON().Resources[tableId] as CfnResource;

    expect(table.Properties).toMatchObject({
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: "gsi1",
          KeySchema: [
            { AttributeName: "gsi1pk", KeyType: "HASH" },
            { AttributeName: "gsi1sk", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "ALL" },
        },
      ],
      TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
      BillingMode: "PAY_PER_REQUEST",
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
    expect(table.Properties.AttributeDefinitions).toEqual(
      expect.arrayContaining(
        ["pk", "sk", "gsi1pk", "gsi1sk"].map((name) => ({ AttributeName: name, AttributeType: "S" })),
      ),
    );
    expect(table.DeletionPolicy).toBe("Retain");
  });

  it("lets all three functions read and write items (any of them may create the API-key pepper item)", () => {
    const gatewayActions = actionsOn("gateway", tableId).sort();

    expect(gatewayActions).toEqual(
      expect.arrayContaining(["dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"]),
    );
    expect(actionsOn("admin", tableId).sort()).toEqual(gatewayActions);
    expect(actionsOn("analytics", tableId).sort()).toEqual(gatewayActions);
    // Item access only: nobody may change, back up, restore or delete the table itself.
    expect(gatewayActions.filter((a) => /(Create|Update|Delete)(Table|Backup)|Restore|TimeToLive/.test(a))).toEqual([]);
  });
});

describe("virtual-key KMS key", () => {
  it("rotates automatically and survives stack deletion", () => {
    expect(template.toJSON().Resources[keyId]).toMatchObject({
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: "Retain",
    });
  });

  it("is named to every function by its ARN in KMS_KEY_ID", () => {
    for (const prefix of ["GatewayFunction", "AdminFunction", "AnalyticsFunction"]) {
      const fn = template.toJSON().Resources[logicalIdOf(template, "AWS::Lambda::Function", prefix)] as CfnResource;
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;

      expect(variables.KMS_KEY_ID).toEqual({ "Fn::GetAtt": [keyId, "Arn"] });
    }
  });

  /** Each KMS statement on the key as `<sorted actions> @ <any workspace | _system only>`. */
  function kmsGrants(role: Role): string[] {
    return statements[role]
      .filter((s) => references(s.Resource, keyId))
      .map((s) => {
        const scope = JSON.stringify(s.Condition) === JSON.stringify(SYSTEM_ONLY_CONDITION) ? "_system only" : "any";
        return `${actionsOf(s).sort().join("+")} @ ${scope}`;
      })
      .sort();
  }

  it("lets the gateway decrypt any virtual key, and encrypt only in the system workspace (the pepper)", () => {
    expect(kmsGrants("gateway")).toEqual(["kms:Decrypt @ any", "kms:Encrypt @ _system only"]);
  });

  it("lets admin encrypt any virtual key, and decrypt only in the system workspace (the pepper)", () => {
    expect(kmsGrants("admin")).toEqual(["kms:Decrypt @ _system only", "kms:Encrypt @ any"]);
  });

  it("lets analytics encrypt and decrypt only in the system workspace, never a virtual key's credentials", () => {
    expect(kmsGrants("analytics")).toEqual(["kms:Decrypt+kms:Encrypt @ _system only"]);
  });

  it("grants KMS actions on the virtual-key key only, each statement bound to the encryption context", () => {
    const all = ROLES.flatMap((role) => statements[role]);
    const kmsStatements = all.filter((s) => actionsOf(s).some((a) => a.startsWith("kms:")));

    expect(kmsStatements).toHaveLength(5);
    for (const statement of kmsStatements) {
      expect(references(statement.Resource, keyId)).toBe(true);
      expect([CONTEXT_KEYS_CONDITION, SYSTEM_ONLY_CONDITION]).toContainEqual(statement.Condition);
    }
  });

  it("matches the context the API-key pepper is sealed and opened with", async () => {
    // Prepare: a cipher that records contexts, a store that always creates
    const contexts: CipherContext[] = [];
    const cipher = {
      encrypt: async (_plaintext: string, context: CipherContext) => {
        contexts.push(context);
        return "sealed";
      },
      decrypt: async (_sealed: string, context: CipherContext) => {
        contexts.push(context);
        return Buffer.alloc(32, 7).toString("base64");
      },
    };
    const store = { getOrCreateSystemValue: (_name: string, create: () => Promise<string>) => create() };

    // Act
    await loadKeyHasher(store, cipher);

    // Assess: what the `_system only` statements admit is exactly what the pepper code sends
    expect(contexts).toEqual([
      { workspace: SYSTEM_WORKSPACE, virtualKey: PEPPER_NAME },
      { workspace: SYSTEM_WORKSPACE, virtualKey: PEPPER_NAME },
    ]);
    expect(Object.keys(contexts[0] ?? {})).toEqual([...VIRTUAL_KEY_ENCRYPTION_CONTEXT_KEYS]);
  });
});

describe("root admin key secret", () => {
  it("is generated: 48 characters without punctuation", () => {
    expect(template.toJSON().Resources[secretId]).toMatchObject({
      Properties: { GenerateSecretString: { PasswordLength: 48, ExcludePunctuation: true } },
    });
  });

  it("is named after the stack, readable by the admin and analytics functions and by no other principal", () => {
    const secretArnPattern = ":secret:TestGateway/root-admin-key-??????";
    const policies = Object.values(template.findResources("AWS::IAM::Policy")) as CfnResource[];
    const rolesMentioning = policies
      .filter((p) => {
        const document = JSON.stringify(p.Properties.PolicyDocument);
        return (
          document.includes("secretsmanager:") ||
          document.includes("root-admin-key") ||
          references(p.Properties.PolicyDocument, secretId)
        );
      })
      .map((p) => JSON.stringify(p.Properties.Roles));
    const onSecret = (role: Role) =>
      statements[role]
        .filter((s) => JSON.stringify(s.Resource).includes(secretArnPattern))
        .flatMap(actionsOf)
        .sort();
    const roleRef = (prefix: string) => JSON.stringify([{ Ref: logicalIdOf(template, "AWS::IAM::Role", prefix) }]);

    expect(template.toJSON().Resources[secretId]).toMatchObject({ Properties: { Name: "TestGateway/root-admin-key" } });
    expect(onSecret("admin")).toEqual(["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]);
    expect(onSecret("analytics")).toEqual(["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]);
    expect(rolesMentioning.sort()).toEqual([roleRef("AdminRole"), roleRef("AnalyticsRole")].sort());
    expect(statements.gateway.flatMap(actionsOf).filter((a) => a.startsWith("secretsmanager:"))).toEqual([]);
  });

  it("reaches admin and analytics as an ARN (not the gateway), and the stack outputs the ARN, never the value", () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const secretEnv = (prefix: string) => {
      const fn = template.toJSON().Resources[logicalIdOf(template, "AWS::Lambda::Function", prefix)] as CfnResource;
      return (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables.ADMIN_KEY_SECRET_ARN;
    };

    expect(secretEnv("AdminFunction")).toEqual({ Ref: secretId });
    expect(secretEnv("AnalyticsFunction")).toEqual({ Ref: secretId });
    expect(secretEnv("GatewayFunction")).toBeUndefined();
    expect(outputs.AdminKeySecretArn?.Value).toEqual({ Ref: secretId });
    // A `{{resolve:secretsmanager:...}}` dynamic reference would put the value into the deployed template.
    expect(JSON.stringify(template.toJSON())).not.toContain("{{resolve:secretsmanager");
  });
});

describe("request-log delivery stream", () => {
  const streamName = "TestGateway-request-logs";
  const onStream = (role: Role) =>
    statements[role]
      .filter((s) => JSON.stringify(s.Resource).includes(`:deliverystream/${streamName}`))
      .flatMap(actionsOf);

  it("is named after the stack, and that name is what the functions are given", () => {
    const functions = Object.values(template.findResources("AWS::Lambda::Function")) as CfnResource[];
    const given = functions.map((f) => (f.Properties.Environment as { Variables: Record<string, unknown> }).Variables);

    expect(template.toJSON().Resources[streamId]).toMatchObject({ Properties: { DeliveryStreamName: streamName } });
    expect(given.filter((v) => v.LOG_STREAM_NAME !== undefined).map((v) => v.LOG_STREAM_NAME)).toEqual([
      streamName,
      streamName,
    ]);
  });

  it("accepts records from gateway and analytics but not admin", () => {
    expect(onStream("gateway").sort()).toEqual(["firehose:PutRecord", "firehose:PutRecordBatch"]);
    expect(onStream("analytics").sort()).toEqual(["firehose:PutRecord", "firehose:PutRecordBatch"]);
    expect(statements.admin.flatMap(actionsOf).filter((a) => a.startsWith("firehose:"))).toEqual([]);
  });
});

describe("outputs", () => {
  it("publish the API URL, dashboard URL, table, secret ARN, log bucket and Athena workgroup", () => {
    const outputs = Object.keys(template.toJSON().Outputs as object);

    expect(outputs).toEqual(
      expect.arrayContaining([
        "ApiUrl",
        "OpenAiBaseUrl",
        "DashboardUrl",
        "TableName",
        "AdminKeySecretArn",
        "LogBucketName",
        "AthenaWorkgroup",
      ]),
    );
  });
});

describe("least privilege", () => {
  it("grants no function a bare `*` resource", () => {
    const all = ROLES.flatMap((role) => statements[role]);

    expect(all.filter((s) => JSON.stringify(s.Resource) === '"*"')).toEqual([]);
  });
});
