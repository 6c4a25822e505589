import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DecryptCommand,
  EncryptCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListKeysCommand,
} from "@aws-sdk/client-kms";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTES } from "../../infra/lib/routes";
import { TABLE_KEYS } from "../../infra/lib/state";
import { type MotoServer, startMotoServer } from "../support/moto-server";
import { type AwsTarget, awsOk, cloudFormation, xmlTexts } from "./support/aws-rest";
import { runCdk } from "./support/cdk-cli";
import { MOTO_CANNOT_CREATE } from "./support/moto-gaps";

/**
 * The deploy path of the README, run for real: `cdk bootstrap` and `cdk deploy --method=direct` (the pinned CLI,
 * the repository's CDK app, esbuild bundles) against a private moto_server, then the deployed resources read back
 * through the AWS APIs. What moto cannot create is listed with the reason in ./support/moto-gaps.ts.
 */
const ACCOUNT = "000000000000";
const REGION = "us-east-1";
const STACK = "AiGateway";
const REPO_ROOT = resolve(import.meta.dirname, "../..");
const CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };

interface StackResource {
  readonly logicalId: string;
  readonly physicalId: string;
  readonly type: string;
}
type Template = { Resources: Record<string, { Type: string }> };

let moto: MotoServer;
let workDir: string;
let target: AwsTarget;
let outputs: Record<string, string>;
let template: Template;
let deployed: StackResource[];

beforeAll(async () => {
  moto = await startMotoServer({ accountId: ACCOUNT });
  workDir = mkdtempSync(join(tmpdir(), "gateway-deploy-"));
  target = { endpoint: moto.endpoint, region: REGION, credentials: CREDENTIALS };
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ENDPOINT_URL: moto.endpoint,
    CDK_DEFAULT_ACCOUNT: ACCOUNT,
    CDK_DEFAULT_REGION: REGION,
    // The CLI caches "access key -> account" under ~/.cdk: a private home keeps another moto's account out.
    CDK_HOME: join(workDir, "cdk-home"),
    CDK_DISABLE_CLI_TELEMETRY: "true",
    CDK_DISABLE_VERSION_CHECK: "true",
  };
  const cdkOut = join(workDir, "cdk.out");
  const outputsFile = join(workDir, "outputs.json");
  const run = { cwd: REPO_ROOT, env, timeoutMs: 100_000 };
  // Prepare: the README's commands, plus --no-notices (no network) and a private cloud assembly directory.
  await runCdk(["bootstrap", `aws://${ACCOUNT}/${REGION}`, "--no-notices", "--output", cdkOut], run);
  await runCdk(
    [
      "deploy",
      "--method=direct",
      "--require-approval",
      "never",
      "--outputs-file",
      outputsFile,
      "--no-notices",
      "--output",
      cdkOut,
    ],
    run,
  );
  outputs = (JSON.parse(readFileSync(outputsFile, "utf8")) as Record<string, Record<string, string>>)[STACK] ?? {};
  template = JSON.parse(readFileSync(join(cdkOut, `${STACK}.template.json`), "utf8")) as Template;
  deployed = await listStackResources();
}, 240_000);

afterAll(async () => {
  await moto?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

async function listStackResources(): Promise<StackResource[]> {
  const xml = await cloudFormation(target, "ListStackResources", { StackName: STACK });
  return [...xml.matchAll(/<member>([\s\S]*?)<\/member>/g)]
    .map((m) => m[1] ?? "")
    .map((member) => ({
      logicalId: xmlTexts(member, "LogicalResourceId")[0] ?? "",
      physicalId: xmlTexts(member, "PhysicalResourceId")[0] ?? "",
      type: xmlTexts(member, "ResourceType")[0] ?? "",
    }))
    .filter((r) => r.logicalId !== "");
}

/** The deployed resource of `type` whose logical id starts with `prefix` (the construct path). */
function physicalId(type: string, prefix: string): string {
  const found = deployed.filter((r) => r.type === type && r.logicalId.startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one ${type} ${prefix}*, found ${found.length}`);
  return (found[0] as StackResource).physicalId;
}

const sdkConfig = () => ({ endpoint: moto.endpoint, region: REGION, credentials: CREDENTIALS });

describe("cdk deploy --method=direct against moto_server", () => {
  it("creates every resource of the template except the types moto cannot create (listed with reasons)", () => {
    const created = new Set(deployed.map((r) => r.logicalId));
    const skippedTypes = new Set(
      Object.entries(template.Resources)
        .filter(([logicalId]) => !created.has(logicalId))
        .map(([, resource]) => resource.Type),
    );

    expect([...skippedTypes].sort()).toEqual(Object.keys(MOTO_CANNOT_CREATE).sort());
    for (const type of ["AWS::Lambda::Function", "AWS::DynamoDB::Table", "AWS::KMS::Key", "AWS::S3::Bucket"]) {
      expect(skippedTypes.has(type)).toBe(false);
    }
  });

  it("creates the table with the key schema and GSI the adapters rely on", async () => {
    const dynamo = new DynamoDBClient(sdkConfig());

    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: outputs.TableName }));

    expect(Table?.TableName).toBe(physicalId("AWS::DynamoDB::Table", "StateTable"));
    expect(Table?.KeySchema).toEqual([
      { AttributeName: TABLE_KEYS.partitionKey, KeyType: "HASH" },
      { AttributeName: TABLE_KEYS.sortKey, KeyType: "RANGE" },
    ]);
    expect(Table?.BillingModeSummary?.BillingMode).toBe("PAY_PER_REQUEST");
    const gsi = Table?.GlobalSecondaryIndexes ?? [];
    expect(gsi.map((index) => index.IndexName)).toEqual([TABLE_KEYS.gsi1Name]);
    expect(gsi[0]?.KeySchema).toEqual([
      { AttributeName: TABLE_KEYS.gsi1PartitionKey, KeyType: "HASH" },
      { AttributeName: TABLE_KEYS.gsi1SortKey, KeyType: "RANGE" },
    ]);
    expect(gsi[0]?.Projection?.ProjectionType).toBe("ALL");
    dynamo.destroy();
  });

  it("creates the KMS key the functions name, rotating, and it seals and opens a virtual-key secret", async () => {
    const kms = new KMSClient(sdkConfig());
    const keyArn = (await functionConfiguration("Gateway")).Environment.Variables.KMS_KEY_ID;
    const context = { workspace: "ws-deploy", virtualKey: "vk-deploy" };

    // Not DescribeKey: moto 5.2.1 answers 500 for a key CloudFormation created (see support/moto-gaps.ts).
    const { Keys } = await kms.send(new ListKeysCommand({}));
    const rotation = await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyArn }));
    const sealed = await kms.send(
      new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from("sk-test"), EncryptionContext: context }),
    );
    const opened = await kms.send(
      new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: context }),
    );

    expect(keyArn).toBe(`arn:aws:kms:${REGION}:${ACCOUNT}:key/${physicalId("AWS::KMS::Key", "StateVirtualKeyKey")}`);
    expect(Keys?.map((key) => key.KeyArn)).toContain(keyArn);
    expect(rotation.KeyRotationEnabled).toBe(true);
    expect(sealed.KeyId).toBe(keyArn);
    expect(Buffer.from(opened.Plaintext ?? new Uint8Array()).toString()).toBe("sk-test");
    kms.destroy();
  });

  it("creates the request-log, access-log and query-result buckets, encrypted at rest", async () => {
    const buckets = ["LogPipelineLogBucket", "LogPipelineAccessLogBucket", "LogAnalyticsResultsBucket"].map((prefix) =>
      physicalId("AWS::S3::Bucket", prefix),
    );
    const listing = await awsOk(target, { service: "s3", method: "GET", path: "/" });

    expect(xmlTexts(listing, "Name")).toEqual(expect.arrayContaining(buckets));
    expect(outputs.LogBucketName).toBe(buckets[0]);
    for (const bucket of buckets) {
      const encryption = await awsOk(target, {
        service: "s3",
        method: "GET",
        path: `/${bucket}`,
        query: { encryption: "" },
      });
      expect(xmlTexts(encryption, "SSEAlgorithm")).toEqual(["AES256"]);
    }
  });
});

interface FunctionConfiguration {
  readonly FunctionArn: string;
  readonly Runtime: string;
  readonly Handler: string;
  readonly MemorySize: number;
  readonly Timeout: number;
  readonly CodeSize: number;
  readonly Environment: { readonly Variables: Record<string, string> };
}

async function functionConfiguration(construct: "Gateway" | "Admin" | "Analytics"): Promise<FunctionConfiguration> {
  const name = physicalId("AWS::Lambda::Function", `${construct}Function`);
  const text = await awsOk(target, {
    service: "lambda",
    method: "GET",
    path: `/2015-03-31/functions/${name}/configuration`,
  });
  return JSON.parse(text) as FunctionConfiguration;
}

describe("the three functions", () => {
  it("run the uploaded bundles on nodejs22.x with their memory and timeouts", async () => {
    const shapes = await Promise.all(
      (["Gateway", "Admin", "Analytics"] as const).map(async (construct) => {
        const fn = await functionConfiguration(construct);
        return [construct, fn.Runtime, fn.Handler, fn.MemorySize, fn.Timeout, fn.CodeSize > 100_000];
      }),
    );

    expect(shapes).toEqual([
      ["Gateway", "nodejs22.x", "index.handler", 1024, 290, true],
      ["Admin", "nodejs22.x", "index.handler", 512, 30, true],
      ["Analytics", "nodejs22.x", "index.handler", 512, 60, true],
    ]);
  });

  it("get the environment that points them at this stack's table, key, log stream, API and analytics", async () => {
    const table = physicalId("AWS::DynamoDB::Table", "StateTable");
    const restApiId = physicalId("AWS::ApiGateway::RestApi", "ApiRestApi");
    const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${physicalId("AWS::KMS::Key", "StateVirtualKeyKey")}`;
    const common = { TABLE_NAME: table, KMS_KEY_ID: keyArn };

    const [gateway, admin, analytics] = await Promise.all(
      (["Gateway", "Admin", "Analytics"] as const).map(
        async (c) => (await functionConfiguration(c)).Environment.Variables,
      ),
    );

    expect(gateway).toEqual({
      ...common,
      POWERTOOLS_SERVICE_NAME: "ai-gateway-gateway",
      LOG_STREAM_NAME: `${STACK}-request-logs`,
      LOG_BODIES: "true",
      GATEWAY_SELF_HOSTS: `${restApiId}.execute-api.${REGION}.amazonaws.com`,
    });
    // ADMIN_KEY_SECRET_ARN is a Ref to the secret moto does not create (MOTO_CANNOT_CREATE): moto drops it.
    expect(admin).toEqual({ ...common, POWERTOOLS_SERVICE_NAME: "ai-gateway-admin" });
    expect(analytics).toEqual({
      ...common,
      POWERTOOLS_SERVICE_NAME: "ai-gateway-analytics",
      LOG_STREAM_NAME: `${STACK}-request-logs`,
      ATHENA_WORKGROUP: `${STACK}-analytics`,
      GLUE_DATABASE: `${STACK.toLowerCase()}_logs`,
      GLUE_TABLE: "request_logs",
    });
  });
});

describe("the REST API", () => {
  it("routes every declared path to its function, the gateway's through the streaming integration", async () => {
    const restApiId = physicalId("AWS::ApiGateway::RestApi", "ApiRestApi");
    const arns = {
      gateway: (await functionConfiguration("Gateway")).FunctionArn,
      admin: (await functionConfiguration("Admin")).FunctionArn,
      analytics: (await functionConfiguration("Analytics")).FunctionArn,
    };
    const text = await awsOk(target, {
      service: "apigateway",
      method: "GET",
      path: `/restapis/${restApiId}/resources`,
      query: { embed: "methods", limit: "500" },
    });
    type Resource = { path: string; resourceMethods?: { ANY?: { methodIntegration?: { uri?: string } } } };
    const byPath = new Map((JSON.parse(text) as { item: Resource[] }).item.map((r) => [r.path, r]));

    const routed = ROUTES.map((route) => [
      route.path,
      byPath.get(route.path)?.resourceMethods?.ANY?.methodIntegration?.uri,
    ]);

    expect(routed).toEqual(
      ROUTES.map((route) => [
        route.path,
        `arn:aws:apigateway:${REGION}:lambda:path/${route.target === "gateway" ? "2021-11-15" : "2015-03-31"}/functions/${arns[route.target]}/${route.target === "gateway" ? "response-streaming-invocations" : "invocations"}`,
      ]),
    );
  });
});

describe("stack outputs", () => {
  it("give the API URL, the OpenAI base URL and the dashboard URL (stage `None` on moto)", () => {
    const restApiId = physicalId("AWS::ApiGateway::RestApi", "ApiRestApi");
    // Real AWS: `/prod/`. moto does not create the stage (MOTO_CANNOT_CREATE) and renders its Ref as `None`.
    const apiUrl = `https://${restApiId}.execute-api.${REGION}.amazonaws.com/None/`;

    expect(outputs.ApiUrl).toBe(apiUrl);
    expect(outputs.OpenAiBaseUrl).toBe(`${apiUrl}v1`);
    expect(outputs.DashboardUrl).toBe(`${apiUrl}dashboard`);
    expect(outputs.AthenaWorkgroup).toBe(`${STACK}-analytics`);
  });

  it("lack AdminKeySecretArn, and Secrets Manager has no root admin key, because moto skips the secret", async () => {
    const secrets = new SecretsManagerClient(sdkConfig());

    const read = secrets.send(new GetSecretValueCommand({ SecretId: `${STACK}/root-admin-key` }));

    expect(outputs.AdminKeySecretArn).toBeUndefined();
    await expect(read).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    secrets.destroy();
  });
});
