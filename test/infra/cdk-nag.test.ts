import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Stack } from "aws-cdk-lib";
import * as s3 from "aws-cdk-lib/aws-s3";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { buildGatewayApp } from "../../infra/lib/gateway-app";

interface ValidationReport {
  pluginReports: { pluginName: string; violations: { ruleName: string; violatingConstructs: unknown[] }[] }[];
}

/** Synthesizes the real app (cdk-nag plugin attached) and returns the violations nobody acknowledged. */
function unacknowledgedViolations(context: Record<string, unknown>): string[] {
  const outdir = mkdtempSync(join(tmpdir(), "gateway-nag-"));
  const { app } = buildGatewayApp({ outdir, context: { ...context, "aws:cdk:bundling-stacks": [] } });
  // An unacknowledged error makes synth throw; warnings only land in the report. Read the report either way.
  try {
    app.synth();
  } catch {
    // the report below says why
  }
  const report = JSON.parse(readFileSync(join(outdir, "validation-report.json"), "utf8")) as ValidationReport;
  return report.pluginReports.flatMap((plugin) =>
    plugin.violations.map((v) => `${plugin.pluginName}: ${v.ruleName} ${JSON.stringify(v.violatingConstructs)}`),
  );
}

describe("cdk-nag AwsSolutions", () => {
  it("finds no unacknowledged error or warning in the default stack", () => {
    expect(unacknowledgedViolations({})).toEqual([]);
  });

  it("finds none either with the optional alarm topic and a custom stack name", () => {
    expect(unacknowledgedViolations({ alarmEmail: "ops@example.com", stackName: "Gw2" })).toEqual([]);
  });

  it("does report findings on an unhardened resource (the check is live)", () => {
    // Prepare
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), "gateway-nag-")) });
    const stack = new Stack(app, "Bare");
    new s3.Bucket(stack, "Bucket");

    // Act
    const report = new AwsSolutionsChecks(app).validateScope(app);

    // Assess
    expect(report.violations.map((v) => v.ruleName)).toEqual(
      expect.arrayContaining(["AwsSolutions-S1", "AwsSolutions-S10"]),
    );
  });
});
