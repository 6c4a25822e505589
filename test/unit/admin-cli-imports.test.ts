import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const ENTRY = fileURLToPath(new URL("../../cli/process.ts", import.meta.url));

describe("the admin CLI's import graph", () => {
  it("reuses the server's schemas but pulls in no AWS SDK and no gateway hot path", async () => {
    const result = await build({
      entryPoints: [ENTRY],
      bundle: true,
      platform: "node",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    // It does use the admin API's own schemas and the routing compiler (local validation).
    expect(inputs.some((p) => p.endsWith("shared/admin/config-routes.ts"))).toBe(true);
    expect(inputs.some((p) => p.endsWith("shared/routing/compile.ts"))).toBe(true);
    const forbidden = inputs.filter((p) =>
      /@aws-sdk|@smithy|@aws-lambda-powertools|@middy|@duckdb|dynalite|shared\/(gateway|providers\/registry|aws|store\/dynamo|lambda)\b/.test(
        p,
      ),
    );
    expect(forbidden).toEqual([]);
  }, 30_000);
});
