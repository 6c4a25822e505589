import { cpSync } from "node:fs";
import { join } from "node:path";
import { AssetHashType, DockerImage, type Duration } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { BUNDLE_FILE, buildLambdaBundleSync, type FunctionName, REPO_ROOT, runtimeEnvironment } from "./lambda-bundle";

export type { FunctionName } from "./lambda-bundle";

export interface ExtraDirectory {
  readonly name: string;
  /** Builds the directory and returns its path. */
  readonly build: () => string;
}

export interface NodeFunctionProps {
  readonly name: FunctionName;
  readonly description: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly logRetention: logs.RetentionDays;
  /** Exactly the variables this function reads; nothing is added behind the caller's back except runtime ones. */
  readonly environment: Readonly<Record<string, string>>;
  /** Reserved concurrency; absent: unreserved (shares the account's pool). */
  readonly reservedConcurrentExecutions?: number;
  /**
   * A directory built when the function is bundled (not at synth without bundling) and copied into the bundle next
   * to `index.mjs` as `name` (the analytics function's dashboard).
   */
  readonly extraDirectory?: ExtraDirectory;
}

/**
 * One of the three Lambda functions: `functions/<name>/handler.ts` (export `handler`), Node 22 on arm64, bundled
 * by the local esbuild (no Docker) with the settings in `lambda-bundle.ts` (minified ESM split into `index.mjs` and
 * chunks loaded on demand, source maps shipped but not loaded), its own role (no managed policies) and its own log
 * group with retention. Bundling runs at synth, like `NodejsFunction`'s, and is skipped the same way
 * (`aws:cdk:bundling-stacks`); the asset is hashed by its output.
 */
export class NodeFunction extends Construct {
  readonly fn: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, "LogGroup", { retention: props.logRetention });
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `Execution role of the ${props.name} function`,
    });
    this.logGroup.grantWrite(this.role);

    this.fn = new lambda.Function(this, "Function", {
      description: props.description,
      code: lambda.Code.fromAsset(`${REPO_ROOT}functions/${props.name}`, {
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          // never used: the local build below always succeeds or throws (no Docker)
          image: DockerImage.fromRegistry("dummy"),
          local: { tryBundle: (outputDir) => bundleInto(outputDir, props) },
        },
      }),
      handler: `${BUNDLE_FILE.replace(/\.mjs$/, "")}.handler`,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: { ...props.environment, ...runtimeEnvironment(props.name) },
    });
  }
}

/** The function's bundle, and its extra directory next to `index.mjs` (the analytics function's dashboard). */
function bundleInto(outputDir: string, props: NodeFunctionProps): boolean {
  buildLambdaBundleSync(props.name, outputDir);
  const extra = props.extraDirectory;
  if (extra !== undefined) cpSync(extra.build(), join(outputDir, extra.name), { recursive: true });
  return true;
}
