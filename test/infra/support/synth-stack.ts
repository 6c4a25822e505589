import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { GatewayStack } from "../../../infra/lib/gateway-stack";
import { readStackOptions } from "../../../infra/lib/stack-options";

export interface SynthOptions {
  /** CDK context, as `-c key=value` would pass it. */
  readonly context?: Record<string, string>;
  /** Run esbuild for the three functions (slower); otherwise CDK skips bundling. */
  readonly bundle: boolean;
}

export interface Synthesized {
  readonly app: App;
  readonly stack: GatewayStack;
  readonly template: Template;
}

/** Builds the stack the way `infra/bin/app.ts` does and synthesizes it once. */
export function synthGatewayStack(options: SynthOptions): Synthesized {
  const app = new App({
    outdir: mkdtempSync(join(tmpdir(), "gateway-cdk-")),
    context: {
      ...options.context,
      ...(options.bundle ? {} : { "aws:cdk:bundling-stacks": [] }),
    },
  });
  const stack = new GatewayStack(app, "TestGateway", { options: readStackOptions(app) });
  return { app, stack, template: Template.fromStack(stack) };
}

export type CfnResource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };

/** Logical id of the only resource of `type` whose logical id starts with `prefix` (fails if not exactly one). */
export function logicalIdOf(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`Expected one ${type} starting with ${prefix}, found ${ids.join(", ")}`);
  return ids[0] as string;
}

export interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, unknown>;
  readonly Effect: string;
}

/** Every statement of every IAM policy attached to the role with this logical id. */
export function statementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  const policies = Object.values(template.findResources("AWS::IAM::Policy")) as CfnResource[];
  return policies
    .filter((policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: roleLogicalId }]))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

export function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** True when `value` (any CloudFormation expression) mentions `logicalId` via Ref or Fn::GetAtt. */
export function references(value: unknown, logicalId: string): boolean {
  const json = JSON.stringify(value);
  return json.includes(`{"Ref":"${logicalId}"}`) || json.includes(`"Fn::GetAtt":["${logicalId}",`);
}
