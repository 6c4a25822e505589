import { build, type Metafile } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { coldLoadedOutputs, type FunctionName, lambdaEsbuildOptions } from "../../infra/lib/lambda-bundle";

/**
 * What a cold start loads (ADR 0039, 0041): the bundles as the stack builds them, read from esbuild's metafile.
 * Sizes are reported by `npm run bench` (cold-start section); this checks the cuts stay made: one zod locale,
 * undici's request path without its entry (fetch, WebSocket, mocks) and with one build of its parser, no admin API
 * in the gateway, the AWS clients the first request does not need loaded only on demand, and the code only some
 * requests need (OpenTelemetry, the guardrails' engines) in chunks outside what `index.mjs` loads.
 */
const metafiles = new Map<FunctionName, Metafile>();

async function metafileOf(name: FunctionName): Promise<Metafile> {
  const result = await build({ ...lambdaEsbuildOptions(name), metafile: true });
  return result.metafile;
}

/**
 * The source files with code in the output (esbuild also lists files it read and shook out entirely), or with more
 * than `minBytes` of it.
 */
function inputsOf(meta: Metafile, minBytes = 0): string[] {
  return Object.values(meta.outputs).flatMap((output) =>
    Object.entries(output.inputs)
      .filter(([, input]) => input.bytesInOutput > minBytes)
      .map(([path]) => path),
  );
}

/** The source files with code in `index.mjs` and the chunks it imports statically: what a cold start loads. */
function coldInputsOf(meta: Metafile): string[] {
  return coldLoadedOutputs(meta).flatMap((path) =>
    Object.entries(meta.outputs[path]?.inputs ?? {})
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([input]) => input),
  );
}

/** How the bundle's own code reaches an external package: static `import` or `import()`. */
function importKindsOf(meta: Metafile, external: string): string[] {
  return Object.values(meta.inputs).flatMap((input) =>
    input.imports.filter((i) => i.external && i.path === external).map((i) => i.kind),
  );
}

describe("Lambda bundle contents", () => {
  beforeAll(async () => {
    for (const name of ["gateway", "admin", "analytics"] as const) metafiles.set(name, await metafileOf(name));
  });

  it.each(["gateway", "admin", "analytics"] as const)(
    "%s carries zod's English messages and no other locale",
    (name) => {
      // (the locales' index may leave an empty namespace object behind: a few bytes, no messages)
      const locales = inputsOf(metafiles.get(name) as Metafile, 100).filter((p) => /(^|\/)zod\/.*\/locales\//.test(p));
      expect(locales.map((p) => p.replace(/^.*\/locales\//, ""))).toEqual(["en.js"]);
    },
  );

  it("takes undici's Agent without undici's entry (fetch, WebSocket, mocks, proxies) or its request API", () => {
    // (paths are relative to the working directory: `node_modules/...`, or `../x/node_modules/...` through a link)
    const undici = inputsOf(metafiles.get("gateway") as Metafile).filter((p) => /(^|\/)node_modules\/undici\//.test(p));
    expect(undici.some((p) => p.endsWith("/undici/lib/dispatcher/agent.js"))).toBe(true);
    expect(
      undici.filter((p) => /\/undici\/index\.js$|\/lib\/mock\/|\/lib\/web\/websocket\/|proxy-agent/.test(p)),
    ).toEqual([]);
    // the transport dispatches with its own handler (ADR 0045): no request() wrapper, no BodyReadable
    expect(undici.filter((p) => /\/undici\/lib\/api\//.test(p))).toEqual([]);
  });

  it("carries undici's HTTP parser once: the SIMD build, which Node 22 on Lambda runs", () => {
    const parsers = inputsOf(metafiles.get("gateway") as Metafile, 1000).filter((p) => /\/llhttp\/llhttp/.test(p));
    expect(parsers.map((p) => p.replace(/^.*\/llhttp\//, ""))).toEqual(["llhttp_simd-wasm.js"]);
  });

  it("leaves out undici's HTTP/2 client and its FormData/Blob body helpers (only a stub that throws remains)", () => {
    const meta = metafiles.get("gateway") as Metafile;
    const stubs = inputsOf(meta).filter((p) => /\/undici\/lib\/(dispatcher\/client-h2|web\/fetch\/body)\.js$/.test(p));
    expect(stubs).toHaveLength(2);
    expect(inputsOf(meta, 500).filter((p) => stubs.includes(p) || /\/undici\/lib\/web\//.test(p))).toEqual([]);
  });

  it.each(["gateway", "admin", "analytics"] as const)(
    "%s loads the guardrail checks and the regex and JSON Schema engines with the first config that needs them",
    (name) => {
      const meta = metafiles.get(name) as Metafile;
      const engines =
        /(^|\/)node_modules\/(re2js|@cfworker\/json-schema)\/|shared\/guardrails\/(check-registry|checks\/)/;
      expect(coldInputsOf(meta).filter((p) => engines.test(p))).toEqual([]);
      expect(inputsOf(meta).some((p) => /node_modules\/re2js\//.test(p))).toBe(true);
    },
  );

  it("loads the config compiler with the first x-portkey-config, not at cold start", () => {
    const meta = metafiles.get("gateway") as Metafile;
    expect(
      coldInputsOf(meta).filter((p) => /shared\/routing\/(compile|config-schema|conditions)\.ts$/.test(p)),
    ).toEqual([]);
    expect(inputsOf(meta).some((p) => p.endsWith("shared/routing/compile.ts"))).toBe(true);
  });

  it("starts the gateway without zod: its schemas load with the first config, stored limit or saved guardrail", () => {
    const meta = metafiles.get("gateway") as Metafile;
    expect(coldInputsOf(meta).filter((p) => /node_modules\/zod\//.test(p))).toEqual([]);
    expect(inputsOf(meta).some((p) => /node_modules\/zod\//.test(p))).toBe(true);
  });

  it("loads a translated provider's module with its first request; the OpenAI family at cold start", () => {
    const meta = metafiles.get("gateway") as Metafile;
    const onDemand =
      /shared\/providers\/(anthropic|google|bedrock|cohere|stability-ai|vertex-ai|voyage|jina|modelslab)[-.]/;
    expect(coldInputsOf(meta).filter((p) => onDemand.test(p))).toEqual([]);
    expect(coldInputsOf(meta).some((p) => p.endsWith("shared/providers/openai-compatible.ts"))).toBe(true);
    expect(inputsOf(meta).some((p) => p.endsWith("shared/providers/anthropic.ts"))).toBe(true);
  });

  it("loads the Responses and Messages translation, prompt templates, hooks and metrics with their first use", () => {
    const meta = metafiles.get("gateway") as Metafile;
    const onDemand =
      /shared\/providers\/protocols\/(responses|messages)-|shared\/prompts\/(template-parser|render|partials|prompt-template)\.ts$|shared\/guardrails\/(compile-hooks|evaluate|stream-guard|hook-text)\.ts$|@aws-lambda-powertools\/metrics\//;
    expect(coldInputsOf(meta).filter((p) => onDemand.test(p))).toEqual([]);
    expect(inputsOf(meta).filter((p) => onDemand.test(p)).length).toBeGreaterThan(10);
  });

  it("loads OpenTelemetry only when telemetry is configured, not at cold start", () => {
    const meta = metafiles.get("gateway") as Metafile;
    expect(coldInputsOf(meta).filter((p) => /node_modules\/@opentelemetry\//.test(p))).toEqual([]);
    expect(inputsOf(meta).some((p) => /node_modules\/@opentelemetry\/sdk-metrics\//.test(p))).toBe(true);
  });

  it("loads the SigV4 signer with the first request to sign (Bedrock, STS), not at cold start", () => {
    const meta = metafiles.get("gateway") as Metafile;
    expect(
      coldInputsOf(meta).filter((p) => /node_modules\/(@smithy\/signature-v4|@aws-crypto\/sha256-js)\//.test(p)),
    ).toEqual([]);
  });

  it("leaves the admin API, the analytics routes and Secrets Manager out of the gateway", () => {
    const meta = metafiles.get("gateway") as Metafile;
    expect(
      inputsOf(meta).filter((p) => /shared\/admin\/admin-core|shared\/analytics\/|shared\/aws\/secrets/.test(p)),
    ).toEqual([]);
    expect(importKindsOf(meta, "@aws-sdk/client-secrets-manager")).toEqual([]);
  });

  it("loads KMS and Firehose at their first use, DynamoDB at import (the first request needs it)", () => {
    const meta = metafiles.get("gateway") as Metafile;
    expect(new Set(importKindsOf(meta, "@aws-sdk/client-kms"))).toEqual(new Set(["dynamic-import"]));
    expect(new Set(importKindsOf(meta, "@aws-sdk/client-firehose"))).toEqual(new Set(["dynamic-import"]));
    expect(importKindsOf(meta, "@aws-sdk/client-dynamodb")).toContain("import-statement");
  });
});
