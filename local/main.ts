import { resolve } from "node:path";
import { createStarterKey } from "./first-start";
import { startLocalRuntime } from "./runtime";

/**
 * `npm start`: the whole gateway on one local port. PORT, HOST and GATEWAY_DATA_DIR configure it;
 * MAX_REQUEST_BODY_BYTES the largest request body accepted (default 32 MiB).
 */
const port = Number(process.env.PORT ?? "8787");
const host = process.env.HOST ?? "127.0.0.1";
const dataDir = resolve(process.env.GATEWAY_DATA_DIR ?? ".gateway-data");

const runtime = await startLocalRuntime({
  host,
  port,
  dataDir,
  customHostAllowlist: process.env.CUSTOM_HOST_ALLOWLIST,
  logBodies: process.env.LOG_BODIES !== "false",
  maxRequestBodyBytes: positiveInt("MAX_REQUEST_BODY_BYTES"),
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

function positiveInt(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive whole number, got "${raw}".`);
  return value;
}
