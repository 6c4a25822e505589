import type { Duration } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import type { ICommandHooks } from "aws-cdk-lib/aws-lambda-nodejs";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { type FunctionName, LAMBDA_BUNDLING, lambdaEntry, REPO_ROOT, runtimeEnvironment } from "./lambda-bundle";

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
 * by the local esbuild (no Docker) with the settings in `lambda-bundle.ts` (minified ESM, source maps shipped but not loaded), its
 * own role (no managed policies) and its own log group with retention.
 */
export class NodeFunction extends Construct {
  readonly fn: NodejsFunction;
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

    this.fn = new NodejsFunction(this, "Function", {
      description: props.description,
      entry: lambdaEntry(props.name),
      handler: "handler",
      projectRoot: REPO_ROOT,
      depsLockFilePath: `${REPO_ROOT}package-lock.json`,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: { ...props.environment, ...runtimeEnvironment(props.name) },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: LAMBDA_BUNDLING.target,
        minify: LAMBDA_BUNDLING.minify,
        sourceMap: LAMBDA_BUNDLING.sourceMap,
        sourcesContent: LAMBDA_BUNDLING.sourcesContent,
        mainFields: [...LAMBDA_BUNDLING.mainFields],
        banner: LAMBDA_BUNDLING.banner,
        externalModules: [...LAMBDA_BUNDLING.externalModules],
        ...(props.extraDirectory === undefined ? {} : { commandHooks: copyInto(props.extraDirectory) }),
      },
    });
  }
}

/** Bundling hooks that copy a built directory into the function's bundle after esbuild ran. */
function copyInto(dir: ExtraDirectory): ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir, outputDir) => [`cp -R "${dir.build()}" "${outputDir}/${dir.name}"`],
  };
}
