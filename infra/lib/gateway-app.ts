import { App, type AppProps, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { GatewayStack } from "./gateway-stack";
import { readStackName, readStackOptions } from "./stack-options";

/**
 * The CDK app: one environment-agnostic GatewayStack (`cdk synth` works offline; `cdk deploy` takes account and
 * region from the AWS profile) checked by cdk-nag's AwsSolutions pack. An unacknowledged error fails the synth.
 */
export function buildGatewayApp(props: AppProps = {}): { app: App; stack: GatewayStack } {
  const app = new App(props);
  const stackName = readStackName(app);
  const stack = new GatewayStack(app, stackName, { stackName, options: readStackOptions(app) });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}
