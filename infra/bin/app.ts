import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { GatewayStack } from "../lib/gateway-stack";
import { readStackName, readStackOptions } from "../lib/stack-options";

// Environment-agnostic on purpose: `cdk synth` works offline; `cdk deploy` takes account/region from the profile.
const app = new App();
const stackName = readStackName(app);
new GatewayStack(app, stackName, { stackName, options: readStackOptions(app) });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
