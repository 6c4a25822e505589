import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { BUNDLE_FILE, buildLambdaBundle, CHUNK_DIR, ESM_REQUIRE_BANNER } from "../../infra/lib/lambda-bundle";
import { ROUTES } from "../../infra/lib/routes";
import {
  DEFAULT_GATEWAY_BOUNDS,
  DEFAULT_STREAM_IDLE_TIMEOUT_MS,
  POST_RESPONSE_RESERVE_MS,
} from "../../shared/gateway/bounds";
import { importBundleInNode } from "./support/import-bundle";
import { type CfnResource, logicalIdOf, type Synthesized, synthGatewayStack } from "./support/synth-stack";

type Target = "gateway" | "admin" | "analytics";

/** Which function answers which API path: the contract clients and the other functions rely on. */
const EXPECTED_ROUTES: Record<string, Target> = {
  "/health": "gateway",
  "/v1/{proxy+}": "gateway",
  "/v1/prompts/{id}/completions": "gateway",
  "/v1/prompts/{id}/render": "gateway",
  "/v1/admin/{proxy+}": "admin",
  "/v1/virtual-keys": "admin",
  "/v1/virtual-keys/{proxy+}": "admin",
  "/v1/configs": "admin",
  "/v1/configs/{proxy+}": "admin",
  "/v1/prompts": "admin",
  "/v1/prompts/{id}": "admin",
  "/v1/prompts/{id}/{proxy+}": "admin",
  "/v1/prompts/partials": "admin",
  "/v1/prompts/partials/{proxy+}": "admin",
  "/v1/api-keys": "admin",
  "/v1/api-keys/{proxy+}": "admin",
  "/v1/guardrails": "admin",
  "/v1/guardrails/{proxy+}": "admin",
  "/v1/openapi.json": "admin",
  "/v1/logs": "analytics",
  "/v1/logs/{proxy+}": "analytics",
  "/v1/analytics/{proxy+}": "analytics",
  "/v1/feedback": "analytics",
  "/v1/feedback/{proxy+}": "analytics",
  "/dashboard": "analytics",
  "/dashboard/{proxy+}": "analytics",
};

interface MethodInfo {
  readonly path: string;
  readonly httpMethod: string;
  readonly authorizationType: string;
  readonly target: Target;
  readonly transferMode: string | undefined;
  readonly uri: string;
  /** API Gateway's integration timeout (default 29 000 when unset). */
  readonly timeoutMs: number;
}

let synth: Synthesized;
let template: Template;
let functionIds: Record<Target, string>;
let methods: MethodInfo[];

beforeAll(() => {
  synth = synthGatewayStack({ bundle: true });
  template = synth.template;
  functionIds = {
    gateway: logicalIdOf(template, "AWS::Lambda::Function", "GatewayFunction"),
    admin: logicalIdOf(template, "AWS::Lambda::Function", "AdminFunction"),
    analytics: logicalIdOf(template, "AWS::Lambda::Function", "AnalyticsFunction"),
  };
  methods = readMethods(template, functionIds);
});

describe("REST API routes", () => {
  it("sends every documented path to the function that owns it, and nothing else is routed", () => {
    // Act
    const routed = Object.fromEntries(methods.map((m) => [m.path, m.target]));

    // Assess
    expect(routed).toEqual(EXPECTED_ROUTES);
    expect(routed).toEqual(Object.fromEntries(ROUTES.map((r) => [r.path, r.target])));
  });

  it("accepts any HTTP method without API Gateway auth (the functions authenticate keys themselves)", () => {
    expect(methods.every((m) => m.httpMethod === "ANY" && m.authorizationType === "NONE")).toBe(true);
  });

  it("streams gateway responses through the response-streaming Lambda invocation", () => {
    const gatewayMethods = methods.filter((m) => m.target === "gateway");

    expect(gatewayMethods.length).toBeGreaterThan(0);
    for (const method of gatewayMethods) {
      expect(method.transferMode).toBe("STREAM");
      expect(method.uri).toMatch(/:lambda:path\/2021-11-15\/functions\/.*\/response-streaming-invocations$/);
    }
  });

  it("answers admin and analytics routes with ordinary buffered proxy integrations", () => {
    const others = methods.filter((m) => m.target !== "gateway");

    for (const method of others) {
      expect(method.transferMode).toBeUndefined();
      expect(method.uri).toMatch(/\/2015-03-31\/functions\/.*\/invocations$/);
    }
  });

  it("is regional, accepts binary audio uploads and throttles and access-logs its stage", () => {
    template.hasResourceProperties("AWS::ApiGateway::RestApi", {
      EndpointConfiguration: { Types: ["REGIONAL"] },
      BinaryMediaTypes: Match.arrayWith(["multipart/form-data", "audio/*"]),
    });
    template.hasResourceProperties("AWS::ApiGateway::Stage", {
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
      MethodSettings: Match.arrayWith([
        Match.objectLike({ ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000, LoggingLevel: "ERROR" }),
      ]),
    });
  });

  it("lets API Gateway invoke each function through one API-scoped permission", () => {
    const permissions = Object.values(template.findResources("AWS::Lambda::Permission")) as CfnResource[];

    expect(permissions).toHaveLength(3);
    for (const id of Object.values(functionIds)) {
      expect(permissions.filter((p) => JSON.stringify(p.Properties.FunctionName).includes(id))).toHaveLength(1);
    }
  });
});

describe("Lambda functions", () => {
  it("ends every wait of the gateway before its function times out, and the function before API Gateway", () => {
    // Prepare
    const fn = template.toJSON().Resources[functionIds.gateway] as CfnResource;
    const functionMs = (fn.Properties.Timeout as number) * 1000;
    const integrationMs = methods.filter((m) => m.target === "gateway").map((m) => m.timeoutMs);

    // Assess: the gateway answers (504, or an SSE error event) and still has POST_RESPONSE_RESERVE_MS to settle
    // budgets and flush logs before Lambda stops it; API Gateway never cuts the function's answer short
    expect(DEFAULT_GATEWAY_BOUNDS.requestTimeoutMs + POST_RESPONSE_RESERVE_MS).toBeLessThan(functionMs);
    expect(DEFAULT_STREAM_IDLE_TIMEOUT_MS + POST_RESPONSE_RESERVE_MS).toBeLessThan(functionMs);
    expect(integrationMs.length).toBeGreaterThan(0);
    for (const timeout of integrationMs) expect(functionMs).toBeLessThan(timeout);
  });

  it.each([
    ["gateway", 1024, 290],
    ["admin", 512, 30],
    ["analytics", 512, 60],
  ] as const)("runs %s on nodejs22.x, arm64, with %i MB and a %i s timeout", (name, memory, timeout) => {
    const fn = template.toJSON().Resources[functionIds[name]] as CfnResource;

    expect(fn.Properties).toMatchObject({
      Runtime: "nodejs22.x",
      Architectures: ["arm64"],
      Handler: "index.handler",
      MemorySize: memory,
      Timeout: timeout,
    });
  });

  it.each([
    ["gateway", ["TABLE_NAME", "KMS_KEY_ID", "LOG_STREAM_NAME", "LOG_BODIES", "GATEWAY_SELF_HOSTS"]],
    ["admin", ["TABLE_NAME", "KMS_KEY_ID", "ADMIN_KEY_SECRET_ARN"]],
    [
      "analytics",
      [
        "TABLE_NAME",
        "KMS_KEY_ID",
        "ADMIN_KEY_SECRET_ARN",
        "LOG_STREAM_NAME",
        "ATHENA_WORKGROUP",
        "GLUE_DATABASE",
        "GLUE_TABLE",
      ],
    ],
  ] as const)("gives %s only the environment it reads", (name, own) => {
    const fn = template.toJSON().Resources[functionIds[name]] as CfnResource;
    const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;

    // No NODE_OPTIONS: `--enable-source-maps` would cost every cold start (ADR 0039)
    expect(Object.keys(variables).sort()).toEqual([...own, "POWERTOOLS_SERVICE_NAME"].sort());
  });

  it("passes the custom-host allowlist to the gateway only when one is configured", () => {
    const configured = synthGatewayStack({ bundle: false, context: { customHostAllowlist: "10.0.0.0/8, llm.local" } });
    const gatewayId = logicalIdOf(configured.template, "AWS::Lambda::Function", "GatewayFunction");
    const fn = configured.template.toJSON().Resources[gatewayId] as CfnResource;

    expect(fn.Properties).toMatchObject({
      Environment: { Variables: { CUSTOM_HOST_ALLOWLIST: "10.0.0.0/8,llm.local", LOG_BODIES: "true" } },
    });
  });

  it("tells the gateway its own API host (never an upstream, seed of the hop mark), without a dependency cycle", () => {
    const fn = template.toJSON().Resources[functionIds.gateway] as CfnResource;
    const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    const restApiId = logicalIdOf(template, "AWS::ApiGateway::RestApi", "ApiRestApi");

    expect(JSON.stringify(variables.GATEWAY_SELF_HOSTS)).toContain(`{"Ref":"${restApiId}"}`);
    expect(JSON.stringify(variables.GATEWAY_SELF_HOSTS)).toContain(".execute-api.");
  });

  it("bundles each handler with the local esbuild into minified ESM chunks with a require shim and source maps", () => {
    for (const id of Object.values(functionIds)) {
      const assetDir = assetDirOf(id);

      const code = readFileSync(join(assetDir, BUNDLE_FILE), "utf8");
      expect(code.startsWith(`${ESM_REQUIRE_BANNER}\n`)).toBe(true);
      // Minified export names may contain `$` (e.g. `export{$1 as handler}`).
      expect(code).toMatch(/export\s*\{\s*[\w$]+ as handler\s*\}/);
      expect(readFileSync(join(assetDir, `${BUNDLE_FILE}.map`), "utf8")).toContain('"mappings"');
      // every chunk is ESM with its own require shim (CommonJS dependencies live in chunks too) and its map
      const chunks = readdirSync(join(assetDir, CHUNK_DIR)).filter((f) => f.endsWith(".mjs"));
      expect(chunks.length).toBeGreaterThan(0);
      for (const chunk of chunks) {
        expect(readFileSync(join(assetDir, CHUNK_DIR, chunk), "utf8").startsWith(`${ESM_REQUIRE_BANNER}\n`)).toBe(true);
        expect(existsSync(join(assetDir, CHUNK_DIR, `${chunk}.map`))).toBe(true);
      }
    }
  });

  it("ships the built dashboard next to the analytics handler, and only there", () => {
    const html = readFileSync(join(assetDirOf(functionIds.analytics), "dashboard", "index.html"), "utf8");
    const script = /src="\/dashboard\/(assets\/main-[\w-]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    expect(readFileSync(join(assetDirOf(functionIds.analytics), "dashboard", script as string), "utf8")).not.toBe("");
    expect(existsSync(join(assetDirOf(functionIds.gateway), "dashboard"))).toBe(false);
  });

  it("deploys the same gateway bundle that the tests and the bench build with buildLambdaBundle", async () => {
    // Prepare
    const outdir = mkdtempSync(join(tmpdir(), "gateway-esbuild-"));
    try {
      // Act
      await buildLambdaBundle("gateway", outdir);

      // Assess: every file, byte for byte, so the Lambda runtime test runs what a deploy ships
      const built = filesIn(outdir);
      const deployed = filesIn(assetDirOf(functionIds.gateway));
      expect([...deployed.keys()].sort()).toEqual([...built.keys()].sort());
      for (const [path, content] of built) expect(content.equals(deployed.get(path) as Buffer), path).toBe(true);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it("loads each bundle in Node as ESM with only the environment the stack sets (no require failure at cold start)", async () => {
    // Act: import every bundle in its own `node` process, as the Lambda runtime would at cold start
    const loaded = await Promise.all(
      (Object.entries(functionIds) as [Target, string][]).map(async ([name, id]) => {
        const result = await importBundleInNode(join(assetDirOf(id), "index.mjs"), environmentOf(id));
        return [name, result] as const;
      }),
    );

    // Assess
    expect(Object.fromEntries(loaded)).toEqual({
      gateway: { handlerType: "function", error: undefined },
      admin: { handlerType: "function", error: undefined },
      analytics: { handlerType: "function", error: undefined },
    });
  });

  it("writes each function's logs to its own log group with retention", () => {
    for (const id of Object.values(functionIds)) {
      const fn = template.toJSON().Resources[id] as CfnResource;
      const logGroupId = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;

      expect(template.toJSON().Resources[logGroupId]).toMatchObject({ Properties: { RetentionInDays: 30 } });
    }
  });
});

/** Every file under `dir` by its relative path. */
function filesIn(dir: string): Map<string, Buffer> {
  const paths = readdirSync(dir, { recursive: true, encoding: "utf8" });
  return new Map(paths.filter((p) => statSync(join(dir, p)).isFile()).map((p) => [p, readFileSync(join(dir, p))]));
}

/** The directory the synthesized function's code asset was bundled into. */
function assetDirOf(functionId: string): string {
  const fn = template.toJSON().Resources[functionId] as CfnResource;
  const s3Key = (fn.Properties.Code as { S3Key: string }).S3Key;
  return join(synth.app.outdir, `asset.${s3Key.replace(/\.zip$/, "")}`);
}

/**
 * The function's environment as the stack sets it. References to other resources (ARNs, names) become
 * placeholders: only their presence matters at cold start.
 */
function environmentOf(functionId: string): Record<string, string> {
  const fn = template.toJSON().Resources[functionId] as CfnResource;
  const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [name, typeof value === "string" ? value : `placeholder-${name}`]),
  );
}

function readMethods(template: Template, fnIds: Record<Target, string>): MethodInfo[] {
  const json = template.toJSON() as { Resources: Record<string, CfnResource> };
  const apiResources = template.findResources("AWS::ApiGateway::Resource") as Record<string, CfnResource>;
  const pathOf = (ref: unknown): string => {
    const id = (ref as { Ref?: string }).Ref;
    const resource = id === undefined ? undefined : apiResources[id];
    if (resource === undefined) return ""; // the API root (Fn::GetAtt RootResourceId)
    return `${pathOf(resource.Properties.ParentId)}/${resource.Properties.PathPart as string}`;
  };
  const targetOf = (uri: string): Target => {
    const found = (Object.entries(fnIds) as [Target, string][]).find(([, id]) => uri.includes(`"${id}"`));
    if (found === undefined) throw new Error(`Integration URI names no known function: ${uri}`);
    return found[0];
  };
  return Object.values(json.Resources)
    .filter((r) => r.Type === "AWS::ApiGateway::Method")
    .map((r) => {
      const props = r.Properties as Record<string, unknown>;
      const integration = props.Integration as {
        Uri: unknown;
        ResponseTransferMode?: string;
        TimeoutInMillis?: number;
      };
      const uriJson = JSON.stringify(integration.Uri);
      return {
        path: pathOf(props.ResourceId),
        httpMethod: props.HttpMethod as string,
        authorizationType: props.AuthorizationType as string,
        target: targetOf(uriJson),
        transferMode: integration.ResponseTransferMode,
        uri: flattenJoin(integration.Uri),
        timeoutMs: integration.TimeoutInMillis ?? 29_000,
      };
    });
}

/** Renders an Fn::Join of strings and references as text (references as `<ref>`). */
function flattenJoin(value: unknown): string {
  const join = (value as { "Fn::Join"?: [string, unknown[]] })["Fn::Join"];
  if (join === undefined) return typeof value === "string" ? value : "<ref>";
  return join[1].map((part) => (typeof part === "string" ? part : "<ref>")).join(join[0]);
}
