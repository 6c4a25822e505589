import { Aws, Duration, Stack } from "aws-cdk-lib";
import * as athena from "aws-cdk-lib/aws-athena";
import * as glue from "aws-cdk-lib/aws-glue";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import {
  LEGACY_JSON_LOG_S3_PREFIX,
  LOG_GLUE_COLUMNS,
  LOG_PARTITION_COLUMN,
  LOG_S3_PREFIX,
} from "../../shared/logging/glue-columns";
import { createSecureBucket } from "./secure-bucket";

export const LOG_TABLE_NAME = "request_logs";
/** GZIP JSON lines written before the switch to Parquet (ADR 0040): queryable, and the source of a backfill. */
export const LEGACY_JSON_LOG_TABLE_NAME = "request_logs_json";

/** Partition projection over `<location>dt=YYYY-MM-DD/`: no crawler, no MSCK REPAIR, no partitions to add. */
function projectedDayPartitions(location: string): Record<string, string> {
  const dt = LOG_PARTITION_COLUMN.name;
  return {
    "projection.enabled": "true",
    [`projection.${dt}.type`]: "date",
    [`projection.${dt}.format`]: "yyyy-MM-dd",
    [`projection.${dt}.range`]: "2025-01-01,NOW",
    [`projection.${dt}.interval`]: "1",
    [`projection.${dt}.interval.unit`]: "DAYS",
    "storage.location.template": `${location}${dt}=\${${dt}}/`,
  };
}

export interface LogAnalyticsProps {
  readonly logBucket: s3.IBucket;
  readonly accessLogBucket: s3.IBucket;
  readonly bytesScannedCutoffPerQuery: number;
}

/**
 * Glue table over `s3://<log bucket>/request-logs/` (Parquet, `dt` partition projected, so no crawler and no
 * MSCK REPAIR), the legacy JSON table over `logs/`, and an Athena workgroup that forces its own encrypted result location and a scan cutoff.
 */
export class LogAnalytics extends Construct {
  readonly databaseName: string;
  readonly tableName = LOG_TABLE_NAME;
  /** The Parquet request-log table; the delivery stream converts records with its schema. */
  readonly table: glue.CfnTable;
  readonly workgroupName: string;
  readonly resultsBucket: s3.Bucket;
  private readonly logBucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: LogAnalyticsProps) {
    super(scope, id);
    this.logBucket = props.logBucket;
    const stackName = Stack.of(this).stackName;
    // Glue database names: lower case, digits and underscores.
    this.databaseName = `${stackName.toLowerCase().replace(/[^a-z0-9]/g, "_")}_logs`;
    this.workgroupName = `${stackName}-analytics`;

    const database = new glue.CfnDatabase(this, "Database", {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: { name: this.databaseName, description: "AI gateway request logs" },
    });

    // The table Firehose converts records with (its schema) and Athena reads: Parquet, one column per entry of the
    // column table, so a query reads only the columns it names.
    const location = `s3://${props.logBucket.bucketName}/${LOG_S3_PREFIX}`;
    this.table = new glue.CfnTable(this, "Table", {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: this.databaseName,
      tableInput: {
        name: LOG_TABLE_NAME,
        tableType: "EXTERNAL_TABLE",
        parameters: {
          EXTERNAL: "TRUE",
          classification: "parquet",
          "parquet.compression": "SNAPPY",
          ...projectedDayPartitions(location),
        },
        partitionKeys: [toGlueColumn(LOG_PARTITION_COLUMN)],
        storageDescriptor: {
          location,
          columns: LOG_GLUE_COLUMNS.map(toGlueColumn),
          inputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
          outputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
          serdeInfo: { serializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe" },
        },
      },
    });
    this.table.addResourceDependency(database);

    const legacyLocation = `s3://${props.logBucket.bucketName}/${LEGACY_JSON_LOG_S3_PREFIX}`;
    const legacy = new glue.CfnTable(this, "LegacyJsonTable", {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: this.databaseName,
      tableInput: {
        name: LEGACY_JSON_LOG_TABLE_NAME,
        description: "Request logs written as GZIP JSON lines before the switch to Parquet; remove once expired",
        tableType: "EXTERNAL_TABLE",
        parameters: {
          EXTERNAL: "TRUE",
          classification: "json",
          compressionType: "gzip",
          ...projectedDayPartitions(legacyLocation),
        },
        partitionKeys: [toGlueColumn(LOG_PARTITION_COLUMN)],
        storageDescriptor: {
          location: legacyLocation,
          columns: LOG_GLUE_COLUMNS.map(toGlueColumn),
          inputFormat: "org.apache.hadoop.mapred.TextInputFormat",
          outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
          compressed: true,
          serdeInfo: {
            serializationLibrary: "org.openx.data.jsonserde.JsonSerDe",
            // A malformed line must not fail every query over that day.
            parameters: { "ignore.malformed.json": "true", "case.insensitive": "true" },
          },
        },
      },
    });
    legacy.addResourceDependency(database);

    this.resultsBucket = createSecureBucket(this, "ResultsBucket", {
      serverAccessLogsBucket: props.accessLogBucket,
      serverAccessLogsPrefix: "athena-results/",
      versioned: false,
      lifecycleRules: [
        {
          id: "expire-query-results",
          expiration: Duration.days(7),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });

    new athena.CfnWorkGroup(this, "WorkGroup", {
      name: this.workgroupName,
      description: "AI gateway analytics queries",
      state: "ENABLED",
      // Lets the stack be deleted although the workgroup holds saved query history.
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery,
        resultConfiguration: {
          outputLocation: `s3://${this.resultsBucket.bucketName}/results/`,
          encryptionConfiguration: { encryptionOption: "SSE_S3" },
        },
      },
    });
  }

  /** Least privilege to run queries in this workgroup over this table: nothing else in Athena, Glue or S3. */
  grantQuery(grantee: iam.IGrantable): void {
    const stack = Stack.of(this);
    const statements = [
      new iam.PolicyStatement({
        sid: "AthenaWorkgroupQueries",
        actions: [
          "athena:StartQueryExecution",
          "athena:GetQueryExecution",
          "athena:GetQueryResults",
          "athena:StopQueryExecution",
        ],
        resources: [stack.formatArn({ service: "athena", resource: "workgroup", resourceName: this.workgroupName })],
      }),
      new iam.PolicyStatement({
        sid: "GlueLogTableMetadata",
        actions: ["glue:GetDatabase", "glue:GetTable", "glue:GetPartitions"],
        resources: [
          stack.formatArn({ service: "glue", resource: "catalog" }),
          stack.formatArn({ service: "glue", resource: "database", resourceName: this.databaseName }),
          stack.formatArn({
            service: "glue",
            resource: "table",
            resourceName: `${this.databaseName}/${this.tableName}`,
          }),
        ],
      }),
      new iam.PolicyStatement({
        sid: "ReadRequestLogObjects",
        actions: ["s3:GetObject"],
        resources: [this.logBucket.arnForObjects(`${LOG_S3_PREFIX}*`)],
      }),
      new iam.PolicyStatement({
        sid: "ListRequestLogPrefix",
        actions: ["s3:ListBucket"],
        resources: [this.logBucket.bucketArn],
        conditions: { StringLike: { "s3:prefix": [`${LOG_S3_PREFIX}*`] } },
      }),
      new iam.PolicyStatement({
        sid: "LocateBuckets",
        actions: ["s3:GetBucketLocation"],
        resources: [this.logBucket.bucketArn, this.resultsBucket.bucketArn],
      }),
      new iam.PolicyStatement({
        sid: "QueryResults",
        actions: [
          "s3:GetObject",
          "s3:PutObject",
          "s3:AbortMultipartUpload",
          "s3:ListMultipartUploadParts",
          "s3:ListBucket",
          "s3:ListBucketMultipartUploads",
        ],
        resources: [this.resultsBucket.bucketArn, this.resultsBucket.arnForObjects("*")],
      }),
    ];
    for (const statement of statements) {
      grantee.grantPrincipal.addToPrincipalPolicy(statement);
    }
  }
}

function toGlueColumn(column: { name: string; type: string; comment?: string }): glue.CfnTable.ColumnProperty {
  return column.comment === undefined
    ? { name: column.name, type: column.type }
    : { name: column.name, type: column.type, comment: column.comment };
}
