import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_STACK_OPTIONS } from "../../infra/lib/stack-options";
import { actionsOf, type CfnResource, logicalIdOf, statementsOfRole, synthGatewayStack } from "./support/synth-stack";

/**
 * Infrastructure limits against abuse: the gateway function's reserved concurrency (a flood of requests cannot
 * take the account's whole Lambda concurrency, nor run up an unbounded bill), and the analytics role's right to
 * stop the Athena queries it gives up on.
 */
function reservedConcurrencyOf(template: Template, prefix: string): unknown {
  const id = logicalIdOf(template, "AWS::Lambda::Function", prefix);
  const fn = template.toJSON().Resources[id] as CfnResource;
  return fn.Properties.ReservedConcurrentExecutions;
}

describe("gateway function reserved concurrency", () => {
  let template: Template;
  beforeAll(() => {
    template = synthGatewayStack({ bundle: false }).template;
  });

  it("is reserved by default, at the documented default", () => {
    expect(DEFAULT_STACK_OPTIONS.gatewayReservedConcurrency).toBe(100);
    expect(reservedConcurrencyOf(template, "GatewayFunction")).toBe(100);
  });

  it("follows the gatewayReservedConcurrency option, and `none` leaves it unreserved", () => {
    const set = synthGatewayStack({ bundle: false, context: { gatewayReservedConcurrency: "250" } }).template;
    const none = synthGatewayStack({ bundle: false, context: { gatewayReservedConcurrency: "none" } }).template;
    expect(reservedConcurrencyOf(set, "GatewayFunction")).toBe(250);
    expect(reservedConcurrencyOf(none, "GatewayFunction")).toBeUndefined();
  });

  it("lets the analytics function stop the Athena queries it times out", () => {
    const roleId = logicalIdOf(template, "AWS::IAM::Role", "AnalyticsRole");
    const actions = statementsOfRole(template, roleId).flatMap(actionsOf);
    expect(actions).toContain("athena:StopQueryExecution");
  });
});
