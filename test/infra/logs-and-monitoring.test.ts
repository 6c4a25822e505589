import { Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { LOG_GLUE_COLUMNS, LOG_PARTITION_COLUMN } from "../../shared/logging/glue-columns";
import {
  actionsOf,
  type CfnResource,
  logicalIdOf,
  references,
  statementsOfRole,
  synthGatewayStack,
} from "./support/synth-stack";

let template: Template;
let logBucketId: string;
let resultsBucketId: string;
let tableId: string;

beforeAll(() => {
  template = synthGatewayStack({ bundle: false }).template;
  logBucketId = logicalIdOf(template, "AWS::S3::Bucket", "LogPipelineLogBucket");
  resultsBucketId = logicalIdOf(template, "AWS::S3::Bucket", "LogAnalyticsResultsBucket");
  tableId = logicalIdOf(template, "AWS::Glue::Table", "LogAnalyticsTable");
});

describe("Firehose delivery stream", () => {
  it("converts records to Parquet under request-logs/dt=YYYY-MM-DD/ every 60 s or 128 MiB", () => {
    template.hasResourceProperties("AWS::KinesisFirehose::DeliveryStream", {
      DeliveryStreamEncryptionConfigurationInput: { KeyType: "AWS_OWNED_CMK" },
      ExtendedS3DestinationConfiguration: Match.objectLike({
        BucketARN: { "Fn::GetAtt": [logBucketId, "Arn"] },
        Prefix: "request-logs/dt=!{timestamp:yyyy-MM-dd}/",
        ErrorOutputPrefix: "errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/",
        FileExtension: ".parquet",
        // Parquet conversion needs >= 64 MiB; S3-level compression must stay off (Snappy is inside the files).
        BufferingHints: { IntervalInSeconds: 60, SizeInMBs: 128 },
        CompressionFormat: Match.absent(),
      }),
    });
  });

  it("reads the JSON records with the OpenX SerDe and writes Snappy Parquet with the Glue table's schema", () => {
    const stream = Object.values(template.findResources("AWS::KinesisFirehose::DeliveryStream"))[0] as CfnResource;
    const destination = stream.Properties.ExtendedS3DestinationConfiguration as Record<string, unknown>;

    expect(destination.DataFormatConversionConfiguration).toEqual({
      Enabled: true,
      InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
      OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: "SNAPPY" } } },
      SchemaConfiguration: {
        CatalogId: { Ref: "AWS::AccountId" },
        DatabaseName: "testgateway_logs",
        TableName: { Ref: tableId },
        Region: { Ref: "AWS::Region" },
        VersionId: "LATEST",
        RoleARN: expect.anything(),
      },
    });
  });

  it("lets Firehose read the schema of that table only", () => {
    const stream = Object.values(template.findResources("AWS::KinesisFirehose::DeliveryStream"))[0] as CfnResource;
    const role = (stream.Properties.ExtendedS3DestinationConfiguration as { RoleARN: { "Fn::GetAtt": string[] } })
      .RoleARN["Fn::GetAtt"][0] as string;
    const glue = statementsOfRole(template, role).filter((s) =>
      actionsOf(s).some((a) => a.startsWith("glue:GetTable")),
    );

    expect(glue.flatMap(actionsOf).sort()).toEqual(["glue:GetTable", "glue:GetTableVersion", "glue:GetTableVersions"]);
    expect(JSON.stringify(glue[0]?.Resource)).toContain(`":table/testgateway_logs/",{"Ref":"${tableId}"}`);
  });
});

describe("Glue table", () => {
  it("has exactly the columns of the logging schema and the dt partition", () => {
    const table = template.toJSON().Resources[tableId] as CfnResource;
    const input = table.Properties.TableInput as {
      StorageDescriptor: { Columns: { Name: string; Type: string; Comment?: string }[] };
      PartitionKeys: { Name: string; Type: string }[];
    };

    expect(input.StorageDescriptor.Columns).toEqual(
      LOG_GLUE_COLUMNS.map((c) => ({ Name: c.name, Type: c.type, ...(c.comment ? { Comment: c.comment } : {}) })),
    );
    expect(input.PartitionKeys).toEqual([{ Name: LOG_PARTITION_COLUMN.name, Type: LOG_PARTITION_COLUMN.type }]);
  });

  it("reads Parquet under s3://<log bucket>/request-logs/ with dt projected by day since 2025-01-01", () => {
    template.hasResourceProperties("AWS::Glue::Table", {
      TableInput: Match.objectLike({
        Name: "request_logs",
        Parameters: Match.objectLike({
          classification: "parquet",
          "projection.enabled": "true",
          "projection.dt.type": "date",
          "projection.dt.format": "yyyy-MM-dd",
          "projection.dt.range": "2025-01-01,NOW",
          "projection.dt.interval": "1",
          "projection.dt.interval.unit": "DAYS",
          "storage.location.template": {
            // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's projection placeholder, not JavaScript
            "Fn::Join": ["", ["s3://", { Ref: logBucketId }, "/request-logs/dt=${dt}/"]],
          },
        }),
        StorageDescriptor: Match.objectLike({
          Location: { "Fn::Join": ["", ["s3://", { Ref: logBucketId }, "/request-logs/"]] },
          InputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
          SerdeInfo: { SerializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe" },
        }),
      }),
    });
  });

  it("keeps the GZIP JSON written before Parquet readable as request_logs_json over logs/", () => {
    template.resourceCountIs("AWS::Glue::Table", 2);
    template.hasResourceProperties("AWS::Glue::Table", {
      TableInput: Match.objectLike({
        Name: "request_logs_json",
        Parameters: Match.objectLike({
          classification: "json",
          // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's projection placeholder, not JavaScript
          "storage.location.template": { "Fn::Join": ["", ["s3://", { Ref: logBucketId }, "/logs/dt=${dt}/"]] },
        }),
        StorageDescriptor: Match.objectLike({
          Location: { "Fn::Join": ["", ["s3://", { Ref: logBucketId }, "/logs/"]] },
          SerdeInfo: Match.objectLike({ SerializationLibrary: "org.openx.data.jsonserde.JsonSerDe" }),
        }),
      }),
    });
  });
});

describe("Athena workgroup", () => {
  it("enforces its own SSE-S3 result location in the result bucket and a per-query scan cutoff", () => {
    template.hasResourceProperties("AWS::Athena::WorkGroup", {
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: true,
        BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        ResultConfiguration: {
          OutputLocation: { "Fn::Join": ["", ["s3://", { Ref: resultsBucketId }, "/results/"]] },
          EncryptionConfiguration: { EncryptionOption: "SSE_S3" },
        },
      },
    });
  });

  it("lets analytics query only its workgroup, table and log prefix", () => {
    const statements = statementsOfRole(template, logicalIdOf(template, "AWS::IAM::Role", "AnalyticsRole"));
    const athena = statements.filter((s) => actionsOf(s).some((a) => a.startsWith("athena:")));
    const glue = statements.filter((s) => actionsOf(s).some((a) => a.startsWith("glue:")));
    const logReads = statements.filter((s) => references(s.Resource, logBucketId));

    expect(athena).toHaveLength(1);
    expect(JSON.stringify(athena[0]?.Resource)).toContain(":workgroup/TestGateway-analytics");
    expect(actionsOf(glue[0] ?? { Action: [], Resource: "", Effect: "" }).sort()).toEqual([
      "glue:GetDatabase",
      "glue:GetPartitions",
      "glue:GetTable",
    ]);
    expect(JSON.stringify(glue[0]?.Resource)).toContain(":table/testgateway_logs/request_logs");
    expect(logReads.flatMap(actionsOf).sort()).toEqual(["s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket"]);
    expect(JSON.stringify(logReads)).toContain("/request-logs/*");
    expect(JSON.stringify(logReads)).not.toContain('"/logs/*');
    expect(logReads.flatMap(actionsOf)).not.toContain("s3:PutObject");
  });
});

describe("buckets", () => {
  it("are all encrypted, private, TLS-only and retained", () => {
    const buckets = template.findResources("AWS::S3::Bucket") as Record<string, CfnResource>;
    const policies = Object.values(template.findResources("AWS::S3::BucketPolicy")) as CfnResource[];

    expect(Object.keys(buckets)).toHaveLength(3);
    for (const [id, bucket] of Object.entries(buckets)) {
      expect(bucket).toMatchObject({
        DeletionPolicy: "Retain",
        Properties: {
          BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: {} }] },
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
        },
      });
      const policy = policies.find((p) => JSON.stringify(p.Properties.Bucket) === JSON.stringify({ Ref: id }));
      expect(JSON.stringify(policy?.Properties.PolicyDocument)).toContain(
        '"Condition":{"Bool":{"aws:SecureTransport":"false"}},"Effect":"Deny"',
      );
    }
  });

  it("age request logs to Infrequent Access after 30 days and delete them after 400; results after 7", () => {
    expect(template.toJSON().Resources[logBucketId]).toMatchObject({
      Properties: {
        VersioningConfiguration: { Status: "Enabled" },
        LoggingConfiguration: { DestinationBucketName: expect.anything() },
        LifecycleConfiguration: {
          Rules: [
            expect.objectContaining({
              ExpirationInDays: 400,
              Transitions: [{ StorageClass: "STANDARD_IA", TransitionInDays: 30 }],
            }),
          ],
        },
      },
    });
    expect(template.toJSON().Resources[resultsBucketId]).toMatchObject({
      Properties: { LifecycleConfiguration: { Rules: [expect.objectContaining({ ExpirationInDays: 7 })] } },
    });
  });
});

describe("log groups", () => {
  it("all have the default 30-day retention", () => {
    const groups = Object.values(template.findResources("AWS::Logs::LogGroup")) as CfnResource[];

    expect(groups.length).toBe(5); // three functions, API access log, Firehose errors
    expect(groups.map((g) => g.Properties.RetentionInDays)).toEqual([30, 30, 30, 30, 30]);
  });

  it("follow the logRetentionDays context, and lifecycle days follow theirs", () => {
    const tuned = synthGatewayStack({
      bundle: false,
      context: { logRetentionDays: "90", logTransitionToIaDays: "60", logExpirationDays: "731" },
    }).template;
    const groups = Object.values(tuned.findResources("AWS::Logs::LogGroup")) as CfnResource[];

    expect(new Set(groups.map((g) => g.Properties.RetentionInDays))).toEqual(new Set([90]));
    tuned.hasResourceProperties("AWS::S3::Bucket", {
      LifecycleConfiguration: {
        Rules: [Match.objectLike({ ExpirationInDays: 731, Transitions: [Match.objectLike({ TransitionInDays: 60 })] })],
      },
    });
  });
});

describe("monitoring", () => {
  it("alarms on the API 5xx rate, Lambda errors and throttles, and failed log delivery or conversion", () => {
    const alarms = Object.values(template.findResources("AWS::CloudWatch::Alarm")) as CfnResource[];
    const byMetric = (name: string) => alarms.filter((a) => a.Properties.MetricName === name);

    expect(byMetric("5XXError")).toEqual([
      expect.objectContaining({
        Properties: expect.objectContaining({
          Statistic: "Average",
          Threshold: 0.05,
          Namespace: "AWS/ApiGateway",
          // The API is named after the stack, so two gateways in one account do not share metrics.
          Dimensions: [{ Name: "ApiName", Value: "TestGateway" }],
        }),
      }),
    ]);
    expect(byMetric("Errors")).toHaveLength(3);
    expect(byMetric("Throttles")).toHaveLength(3);
    expect(byMetric("DeliveryToS3.Success")).toEqual([
      expect.objectContaining({
        Properties: expect.objectContaining({ ComparisonOperator: "LessThanThreshold", Threshold: 1 }),
      }),
    ]);
    expect(byMetric("FailedConversion.Records")).toEqual([
      expect.objectContaining({
        Properties: expect.objectContaining({
          Statistic: "Sum",
          ComparisonOperator: "GreaterThanOrEqualToThreshold",
          Threshold: 1,
          Dimensions: [{ Name: "DeliveryStreamName", Value: "TestGateway-request-logs" }],
        }),
      }),
    ]);
    template.resourceCountIs("AWS::CloudWatch::Dashboard", 1);
    template.resourceCountIs("AWS::SNS::Topic", 0);
  });

  it("notifies an SNS topic by e-mail when alarmEmail is set", () => {
    const withEmail = synthGatewayStack({ bundle: false, context: { alarmEmail: "ops@example.com" } }).template;
    const topicId = logicalIdOf(withEmail, "AWS::SNS::Topic", "Monitoring");
    const alarms = Object.values(withEmail.findResources("AWS::CloudWatch::Alarm")) as CfnResource[];

    withEmail.hasResourceProperties("AWS::SNS::Subscription", { Protocol: "email", Endpoint: "ops@example.com" });
    expect(alarms.length).toBe(9);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
    }
  });
});
