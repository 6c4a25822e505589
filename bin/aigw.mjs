#!/usr/bin/env node
// The admin CLI (docs/cli.md). Runs the TypeScript sources through tsx, a runtime dependency of this package:
// no build step, so `npx aigw` works right after `npm install` and never runs a stale bundle.
import { fileURLToPath } from "node:url";
import { tsImport } from "tsx/esm/api";

const { run } = await tsImport("../cli/process.ts", {
  parentURL: import.meta.url,
  tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)),
});
await run();
