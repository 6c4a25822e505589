import { buildLambdaBundle, type FunctionName } from "./lambda-bundle";

/** `tsx infra/lib/build-lambda-bundle.ts <function> <outdir>`: what the stack's bundling hook runs (ADR 0041). */
const [name, outdir] = process.argv.slice(2);
if ((name !== "gateway" && name !== "admin" && name !== "analytics") || outdir === undefined) {
  process.stderr.write("usage: build-lambda-bundle.ts gateway|admin|analytics <outdir>\n");
  process.exit(2);
}
await buildLambdaBundle(name as FunctionName, outdir);
