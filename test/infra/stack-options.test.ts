import { App } from "aws-cdk-lib";
import { describe, expect, it } from "vitest";
import { DEFAULT_STACK_OPTIONS, readStackName, readStackOptions } from "../../infra/lib/stack-options";

function appWith(context: Record<string, unknown>): App {
  return new App({ context });
}

describe("stack options from CDK context", () => {
  it("uses the documented defaults when nothing is set", () => {
    expect(readStackOptions(appWith({}))).toEqual(DEFAULT_STACK_OPTIONS);
    expect(readStackName(appWith({}))).toBe("AiGateway");
  });

  it("reads `-c key=value` strings and cdk.json values alike", () => {
    // Act
    const fromCli = readStackOptions(
      appWith({ customHostAllowlist: "10.0.0.0/8, ollama.internal", logRetentionDays: "90", logBodies: "true" }),
    );
    const fromJson = readStackOptions(
      appWith({ customHostAllowlist: ["10.0.0.0/8", "ollama.internal"], logRetentionDays: 90, logBodies: true }),
    );

    // Assess
    expect(fromCli).toEqual(fromJson);
    expect(fromCli).toMatchObject({
      customHostAllowlist: ["10.0.0.0/8", "ollama.internal"],
      logRetentionDays: 90,
      logBodies: true,
    });
  });

  it.each([
    [{ logRetentionDays: "31" }, /logRetentionDays must be one of/],
    [{ logRetentionDays: "abc" }, /positive integer/],
    [{ logBodies: "yes" }, /true or false/],
    [{ logTransitionToIaDays: "10" }, /at least 30/],
    [{ logExpirationDays: "20" }, /greater than logTransitionToIaDays/],
    [{ athenaBytesScannedCutoff: "1000" }, /at least 10 MiB/],
    [{ gatewayReservedConcurrency: "0" }, /positive integer or "none"/],
    [{ gatewayReservedConcurrency: "lots" }, /positive integer or "none"/],
  ])("refuses %j instead of ignoring it", (context, message) => {
    expect(() => readStackOptions(appWith(context))).toThrow(message);
  });

  it("refuses a stack name CloudFormation would reject", () => {
    expect(() => readStackName(appWith({ stackName: "my_gateway" }))).toThrow(/stackName/);
    expect(readStackName(appWith({ stackName: "Gateway-Prod" }))).toBe("Gateway-Prod");
  });
});
