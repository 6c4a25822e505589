import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";

/** Attribute names the DynamoDB adapters rely on (docs/data-model.md). */
export const TABLE_KEYS = {
  partitionKey: "pk",
  sortKey: "sk",
  gsi1Name: "gsi1",
  gsi1PartitionKey: "gsi1pk",
  gsi1SortKey: "gsi1sk",
  ttlAttribute: "expiresAt",
} as const;

/** Names of the encryption-context keys every virtual-key Encrypt/Decrypt must carry. */
export const VIRTUAL_KEY_ENCRYPTION_CONTEXT_KEYS = ["workspace", "virtualKey"] as const;

/**
 * Encryption-context `workspace` of values the system seals for itself: the API-key pepper
 * (`shared/auth/key-pepper.ts`, context `{ workspace: "_system", virtualKey: "api-key-pepper" }`). Real workspace
 * ids are `ws-...`, so a statement limited to this workspace reaches no tenant's provider credentials.
 */
export const SYSTEM_WORKSPACE = "_system";

/**
 * Durable state: the single table, the KMS key that wraps provider secrets held in virtual keys, and the root
 * admin key. All three are retained when the stack is deleted.
 */
export class GatewayState extends Construct {
  readonly table: dynamodb.Table;
  readonly virtualKeyKey: kms.Key;
  readonly adminKeySecret: secretsmanager.Secret;
  /** `<stack>/root-admin-key`: what an operator types into `aws secretsmanager get-secret-value`. */
  readonly adminKeySecretName: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.table = new dynamodb.Table(this, "Table", {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: TABLE_KEYS.ttlAttribute,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // AWS managed key: encrypted at rest without making every reader a KMS grantee.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: TABLE_KEYS.gsi1Name,
      partitionKey: { name: TABLE_KEYS.gsi1PartitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.gsi1SortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });

    this.virtualKeyKey = new kms.Key(this, "VirtualKeyKey", {
      description: "Encrypts provider credentials stored in gateway virtual keys",
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.adminKeySecretName = `${Stack.of(this).stackName}/root-admin-key`;
    this.adminKeySecret = new secretsmanager.Secret(this, "AdminKeySecret", {
      secretName: this.adminKeySecretName,
      description: "Root admin key of the AI gateway control plane",
      generateSecretString: { excludePunctuation: true, passwordLength: 48 },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.adminKeySecret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "The root admin key is a bearer token used by operators, not a database credential: there is no rotation " +
        "Lambda to call. Rotate by `aws secretsmanager put-secret-value`; the admin function re-reads it on cold start.",
    });
  }

  /**
   * Read access to the root admin key. The policy names the secret by its name plus Secrets Manager's six-character
   * suffix rather than by Ref, so it holds on emulators without Secrets Manager CloudFormation support (moto).
   */
  grantReadAdminKey(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        resources: [
          Stack.of(this).formatArn({
            service: "secretsmanager",
            resource: "secret",
            resourceName: `${this.adminKeySecretName}-??????`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
  }
}
