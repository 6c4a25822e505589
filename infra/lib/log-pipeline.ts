import { Duration, Size, Stack, Validations } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import type * as glue from "aws-cdk-lib/aws-glue";
import * as iam from "aws-cdk-lib/aws-iam";
import * as firehose from "aws-cdk-lib/aws-kinesisfirehose";
import * as logs from "aws-cdk-lib/aws-logs";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { LOG_S3_PREFIX } from "../../shared/logging/glue-columns";
import { createSecureBucket } from "./secure-bucket";

/** S3 layout of the request log (Glue partition projection and the local layout follow it). */
export const LOG_DATA_OUTPUT_PREFIX = `${LOG_S3_PREFIX}dt=!{timestamp:yyyy-MM-dd}/`;
export const LOG_ERROR_OUTPUT_PREFIX = "errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/";

/**
 * Parquet conversion needs a buffer of at least 64 MiB; 128 MiB is the maximum. The interval stays 60 s: it bounds
 * how late a record is visible (dashboard, feedback, `logs --follow`, which looks back 2 minutes), at the price of
 * up to 1,440 files a day at low volume (ADR 0040).
 */
export const LOG_BUFFER_INTERVAL = Duration.seconds(60);
export const LOG_BUFFER_SIZE = Size.mebibytes(128);

export interface LogPipelineProps {
  /** Physical name of the delivery stream (functions get it as LOG_STREAM_NAME). */
  readonly streamName: string;
  readonly logRetention: logs.RetentionDays;
  readonly transitionToIaAfter: Duration;
  readonly expireAfter: Duration;
}

/**
 * Request records (JSON lines) -> Firehose, which converts them to Parquet (Snappy) with the Glue table's schema
 * (OpenX JSON SerDe in, Parquet SerDe out; the table is generated from the one column table) -> S3
 * `request-logs/dt=YYYY-MM-DD/*.parquet`. Parquet because Athena bills bytes scanned and reads only the columns a
 * query names: the bodies, most of each record, are never scanned by aggregates or search (ADR 0040). Records
 * that fail conversion land under `errors/format-conversion-failed/`.
 */
export class LogPipeline extends Construct {
  readonly accessLogBucket: s3.Bucket;
  readonly logBucket: s3.Bucket;
  private readonly deliveryLogGroup: logs.LogGroup;
  private stream: firehose.DeliveryStream | undefined;
  /**
   * Name and ARN as literals rather than Ref/GetAtt of the stream: the template stays deployable on emulators
   * (moto) that skip Firehose, and policies, alarms and env vars do not wait on the stream's attributes.
   */
  readonly streamName: string;
  readonly streamArn: string;

  constructor(scope: Construct, id: string, props: LogPipelineProps) {
    super(scope, id);

    this.accessLogBucket = createSecureBucket(this, "AccessLogBucket", {
      serverAccessLogsBucket: undefined,
      versioned: false,
      lifecycleRules: [{ id: "expire-access-logs", expiration: props.expireAfter }],
    });
    Validations.of(this.accessLogBucket).acknowledge({
      id: "AwsSolutions-S1",
      reason: "This bucket is the server-access-log destination; logging it to itself would recurse.",
    });

    this.logBucket = createSecureBucket(this, "LogBucket", {
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: "log-bucket/",
      versioned: true,
      lifecycleRules: [
        {
          id: "age-out-request-logs",
          transitions: [
            { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: props.transitionToIaAfter },
          ],
          expiration: props.expireAfter,
          noncurrentVersionExpiration: Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });

    this.deliveryLogGroup = new logs.LogGroup(this, "DeliveryLogGroup", { retention: props.logRetention });
    if (!/^[a-zA-Z0-9_.-]{1,64}$/.test(props.streamName)) {
      throw new Error(`Firehose stream name must be 1-64 of [a-zA-Z0-9_.-], got "${props.streamName}".`);
    }
    this.streamName = props.streamName;
    this.streamArn = Stack.of(this).formatArn({
      service: "firehose",
      resource: "deliverystream",
      resourceName: props.streamName,
    });
  }

  /**
   * Creates the delivery stream, converting records with the schema of `table` (the Glue table built from the
   * column table, whose location is this bucket's `request-logs/`). A second step because the table needs the
   * bucket and the stream needs the table.
   */
  deliverAs(table: glue.CfnTable): firehose.DeliveryStream {
    if (this.stream) throw new Error("LogPipeline.deliverAs called twice");
    this.stream = new firehose.DeliveryStream(this, "DeliveryStream", {
      deliveryStreamName: this.streamName,
      encryption: firehose.StreamEncryption.awsOwnedKey(),
      destination: new firehose.S3Bucket(this.logBucket, {
        dataOutputPrefix: LOG_DATA_OUTPUT_PREFIX,
        errorOutputPrefix: LOG_ERROR_OUTPUT_PREFIX,
        bufferingInterval: LOG_BUFFER_INTERVAL,
        bufferingSize: LOG_BUFFER_SIZE,
        fileExtension: ".parquet",
        dataFormatConversion: {
          schemaConfiguration: firehose.SchemaConfiguration.fromCfnTable(table),
          inputFormat: firehose.InputFormat.OPENX_JSON,
          outputFormat: new firehose.ParquetOutputFormat({ compression: firehose.ParquetCompression.SNAPPY }),
        },
        loggingConfig: new firehose.EnableLogging(this.deliveryLogGroup),
      }),
    });
    return this.stream;
  }

  get deliveryStream(): firehose.DeliveryStream {
    if (!this.stream) throw new Error("LogPipeline: call deliverAs(table) first");
    return this.stream;
  }

  /** PutRecord/PutRecordBatch on this stream only. */
  grantPutRecords(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["firehose:PutRecord", "firehose:PutRecordBatch"],
        resources: [this.streamArn],
      }),
    );
  }

  metric(metricName: string, props: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: "AWS/Firehose",
      metricName,
      dimensionsMap: { DeliveryStreamName: this.streamName },
      ...props,
    });
  }
}
