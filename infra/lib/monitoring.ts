import { Duration, Stack, Validations } from "aws-cdk-lib";
import type * as apigateway from "aws-cdk-lib/aws-apigateway";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import { Construct } from "constructs";
import type { LogPipeline } from "./log-pipeline";
import type { FunctionName } from "./node-function";

export interface MonitoringProps {
  readonly api: apigateway.RestApi;
  readonly functions: Readonly<Record<FunctionName, lambda.Function>>;
  readonly logPipeline: LogPipeline;
  /** When set, an SNS topic with this e-mail subscription receives every alarm and its recovery. */
  readonly alarmEmail: string | undefined;
}

const PERIOD = Duration.minutes(5);
/** Share of API requests answered with 5xx (gateway-made or upstream) that pages someone. */
export const API_5XX_RATE_THRESHOLD = 0.05;

/** One dashboard and the alarms that matter: API 5xx rate, Lambda errors/throttles, log delivery to S3. */
export class Monitoring extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  private readonly alarmNames: string[] = [];
  readonly alarmTopic: sns.Topic | undefined;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { api, functions, logPipeline } = props;

    const api5xxRate = api.metricServerError({ statistic: cloudwatch.Stats.AVERAGE, period: PERIOD });
    this.addAlarm("Api5xxRate", api5xxRate, {
      threshold: API_5XX_RATE_THRESHOLD,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription: "More than 5% of API requests answered 5xx over 5 minutes",
    });

    for (const [name, fn] of Object.entries(functions)) {
      this.addAlarm(`${name}Errors`, fn.metricErrors({ period: PERIOD }), {
        threshold: 5,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        alarmDescription: `The ${name} function failed 5 or more invocations in 5 minutes`,
      });
      this.addAlarm(`${name}Throttles`, fn.metricThrottles({ period: PERIOD }), {
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        alarmDescription: `The ${name} function was throttled (concurrency limit reached)`,
      });
    }

    const deliverySuccess = logPipeline.metric("DeliveryToS3.Success", {
      statistic: cloudwatch.Stats.AVERAGE,
      period: PERIOD,
    });
    this.addAlarm("LogDeliveryToS3", deliverySuccess, {
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      alarmDescription: "Firehose failed to deliver request logs to S3",
    });
    this.addAlarm(
      "LogFormatConversion",
      logPipeline.metric("FailedConversion.Records", { statistic: cloudwatch.Stats.SUM, period: PERIOD }),
      {
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        alarmDescription:
          "Firehose could not convert request logs to Parquet (schema mismatch); they are under errors/ in the log bucket",
      },
    );

    if (props.alarmEmail !== undefined) {
      this.alarmTopic = new sns.Topic(this, "AlarmTopic", { enforceSSL: true, displayName: "AI gateway alarms" });
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
      Validations.of(this.alarmTopic).acknowledge({
        id: "AwsSolutions-SNS2",
        reason:
          "CloudWatch alarms cannot publish to a topic encrypted with the AWS managed SNS key, and alarm " +
          "notifications carry no secrets (alarm name and state only).",
      });
      for (const alarm of this.alarms) {
        alarm.addAlarmAction(new actions.SnsAction(this.alarmTopic));
        alarm.addOkAction(new actions.SnsAction(this.alarmTopic));
      }
    }

    this.createDashboard(props, api5xxRate, deliverySuccess);
  }

  private addAlarm(
    id: string,
    metric: cloudwatch.IMetric,
    options: Omit<cloudwatch.AlarmProps, "metric" | "evaluationPeriods" | "alarmName">,
  ): void {
    // Named, so notifications read well and the dashboard lists alarms by name (see createDashboard).
    const alarmName = `${Stack.of(this).stackName}-${id}`;
    this.alarmNames.push(alarmName);
    this.alarms.push(
      new cloudwatch.Alarm(this, id, {
        alarmName,
        metric,
        evaluationPeriods: 1,
        // No traffic is not a failure: an idle gateway must not page anyone.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...options,
      }),
    );
  }

  private createDashboard(props: MonitoringProps, api5xxRate: cloudwatch.IMetric, delivery: cloudwatch.IMetric): void {
    const { api, functions, logPipeline } = props;
    const fns = Object.entries(functions);
    const dashboard = new cloudwatch.Dashboard(this, "Dashboard", {
      dashboardName: `${Stack.of(this).stackName}-gateway`,
    });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "API requests",
        left: [api.metricCount({ period: PERIOD })],
        right: [api5xxRate, api.metricClientError({ statistic: cloudwatch.Stats.AVERAGE, period: PERIOD })],
      }),
      new cloudwatch.GraphWidget({
        title: "API latency (p50 / p99)",
        left: [
          api.metricLatency({ statistic: cloudwatch.Stats.p(50), period: PERIOD }),
          api.metricLatency({ statistic: cloudwatch.Stats.p(99), period: PERIOD }),
        ],
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Lambda invocations / errors / throttles",
        left: fns.map(([name, fn]) => fn.metricInvocations({ period: PERIOD, label: `${name} invocations` })),
        right: fns.flatMap(([name, fn]) => [
          fn.metricErrors({ period: PERIOD, label: `${name} errors` }),
          fn.metricThrottles({ period: PERIOD, label: `${name} throttles` }),
        ]),
      }),
      new cloudwatch.GraphWidget({
        title: "Lambda duration p99",
        left: fns.map(([name, fn]) =>
          fn.metricDuration({ statistic: cloudwatch.Stats.p(99), period: PERIOD, label: name }),
        ),
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Request-log delivery",
        left: [logPipeline.metric("IncomingRecords", { statistic: cloudwatch.Stats.SUM, period: PERIOD })],
        right: [delivery],
      }),
      new cloudwatch.AlarmStatusWidget({
        title: "Alarms",
        // By name-derived ARN rather than GetAtt: keeps the template deployable where alarms are emulated away.
        alarms: this.alarmNames.map((name) => cloudwatch.Alarm.fromAlarmName(this, `Ref-${name}`, name)),
      }),
    );
  }
}
