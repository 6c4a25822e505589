import { resolve } from "node:path";
import { createStarterKey } from "./first-start";
import { startLocalRuntime } from "./runtime";

/** `npm start`: the whole gateway on one local port. PORT, HOST and GATEWAY_DATA_DIR configure it. */
const port = Number(process.env.PORT ?? "8787");
const host = process.env.HOST ?? "127.0.0.1";
const dataDir = resolve(process.env.GATEWAY_DATA_DIR ?? ".gateway-data");

const runtime = await startLocalRuntime({
  host,
  port,
  dataDir,
  customHostAllowlist: process.env.CUSTOM_HOST_ALLOWLIST,
  logBodies: process.env.LOG_BODIES !== "false",
});
console.log(`AI gateway listening on ${runtime.url} (data: ${dataDir})`);
console.log(`OpenAI-compatible base URL: ${runtime.url}/v1`);
if (runtime.adminKey.created) {
  const starter = await createStarterKey(runtime.cores.admin, runtime.adminKey.key);
  console.log("\nFirst start. These keys are shown once:");
  console.log(`  root admin key (admin API, all workspaces; kept in ${dataDir}/admin-key): ${runtime.adminKey.key}`);
  console.log(`  gateway key for workspace "${starter.workspaceId}" (send as x-portkey-api-key): ${starter.apiKey}\n`);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void runtime.close().then(() => process.exit(0));
  });
}
