import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
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

  it("lets gateway and admin write, and analytics only read", () => {
    expect(actionsOn("gateway", tableId)).toContain("dynamodb:UpdateItem");
    expect(actionsOn("admin", tableId)).toContain("dynamodb:PutItem");
    expect(actionsOn("analytics", tableId)).toContain("dynamodb:Query");
    expect(actionsOn("analytics", tableId).filter((a) => /Put|Update|Delete|Write/.test(a))).toEqual([]);
  });
});

describe("virtual-key KMS key", () => {
  it("rotates automatically and survives stack deletion", () => {
    expect(template.toJSON().Resources[keyId]).toMatchObject({
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: "Retain",
    });
  });

  it("lets the gateway decrypt but never encrypt", () => {
    expect(actionsOn("gateway", keyId)).toEqual(["kms:Decrypt"]);
  });

  it("lets admin encrypt but never decrypt", () => {
    expect(actionsOn("admin", keyId)).toEqual(["kms:Encrypt"]);
  });

  it("gives analytics no KMS permission at all", () => {
    expect(statements.analytics.flatMap(actionsOf).filter((a) => a.startsWith("kms:"))).toEqual([]);
  });

  it("only allows requests that carry exactly the workspace and virtualKey encryption context", () => {
    const kmsStatements = [...statements.gateway, ...statements.admin].filter((s) => references(s.Resource, keyId));

    expect(kmsStatements).toHaveLength(2);
    for (const statement of kmsStatements) {
      expect(statement.Condition).toEqual({
        "ForAllValues:StringEquals": { "kms:EncryptionContextKeys": ["workspace", "virtualKey"] },
        Null: { "kms:EncryptionContext:workspace": "false", "kms:EncryptionContext:virtualKey": "false" },
      });
    }
  });
});

describe("root admin key secret", () => {
  it("is generated: 48 characters without punctuation", () => {
    expect(template.toJSON().Resources[secretId]).toMatchObject({
      Properties: { GenerateSecretString: { PasswordLength: 48, ExcludePunctuation: true } },
    });
  });

  it("is named after the stack, readable by the admin function and by no other principal in the stack", () => {
    const secretArnPattern = ":secret:TestGateway/root-admin-key-??????";
    const policies = Object.values(template.findResources("AWS::IAM::Policy")) as CfnResource[];
    const mentioning = policies.filter((p) => {
      const document = JSON.stringify(p.Properties.PolicyDocument);
      return (
        document.includes("secretsmanager:") ||
        document.includes("root-admin-key") ||
        references(p.Properties.PolicyDocument, secretId)
      );
    });
    const adminOnSecret = statements.admin.filter((s) => JSON.stringify(s.Resource).includes(secretArnPattern));

    expect(template.toJSON().Resources[secretId]).toMatchObject({ Properties: { Name: "TestGateway/root-admin-key" } });
    expect(adminOnSecret.flatMap(actionsOf).sort()).toEqual([
      "secretsmanager:DescribeSecret",
      "secretsmanager:GetSecretValue",
    ]);
    expect(mentioning).toHaveLength(1);
    expect(statements.gateway.flatMap(actionsOf).filter((a) => a.startsWith("secretsmanager:"))).toEqual([]);
    expect(statements.analytics.flatMap(actionsOf).filter((a) => a.startsWith("secretsmanager:"))).toEqual([]);
  });

  it("reaches the admin function as an ARN, and the stack outputs the ARN, never the value", () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;

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
  it("publish the API URL, table, secret ARN, log bucket and Athena workgroup", () => {
    const outputs = Object.keys(template.toJSON().Outputs as object);

    expect(outputs).toEqual(
      expect.arrayContaining([
        "ApiUrl",
        "OpenAiBaseUrl",
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
    const all = [...statements.gateway, ...statements.admin, ...statements.analytics];

    expect(all.filter((s) => JSON.stringify(s.Resource) === '"*"')).toEqual([]);
  });
});
